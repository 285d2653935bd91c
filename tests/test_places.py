"""Villages, sections and former boroughs name their town; a place in two towns asks the map."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from cgic_data.places import AmbiguousPlace, contains, places, town_of
from cgic_data.towns import bundled_towns


@pytest.mark.parametrize(
    ("said", "town"),
    [
        ("Willimantic", "Windham"),
        ("Rockville", "Vernon"),
        ("Vernon Rockville (Vernon)", "Vernon"),
        ("Vernon-Rockville", "Vernon"),
        ("Rockville (Vernon)", "Vernon"),
        ("Winsted", "Winchester"),
        ("Moosup", "Plainfield"),
        ("Danielson", "Killingly"),
        ("Stony Creek", "Branford"),
        ("Jewett City", "Griswold"),  # "City" is part of the name, not a suffix to drop
        ("Pawcatuck", "Stonington"),
        ("Unionville", "Farmington"),
        ("Collinsville", "Canton"),
        ("Terryville", "Plymouth"),
        ("Niantic", "East Lyme"),
        ("Putnam", "Putnam"),
        ("Broad Brook", "East Windsor"),
        ("Thompsonville", "Enfield"),
        ("Yalesville", "Wallingford"),
        ("Cos Cob", "Greenwich"),
        ("Riverside", "Greenwich"),
        ("Old Greenwich", "Greenwich"),
        ("Gales Ferry", "Ledyard"),
        ("Storrs", "Mansfield"),
        ("WILLIMANTIC, CT", "Windham"),
        ("Storrs CDP", "Mansfield"),
        ("Town of Windham", "Windham"),
        ("City of Groton", "Groton"),
        ("  east   lyme ", "East Lyme"),
    ],
)
def test_a_place_people_name_resolves_to_its_town(said: str, town: str) -> None:
    assert town_of(said) == town


def test_a_name_that_is_neither_town_nor_place_comes_back_unchanged() -> None:
    # the store decides whether it is known (tests build stores with towns of their own)
    assert town_of("Springfield") == "Springfield"


def test_a_place_in_two_towns_takes_the_town_of_its_coordinates() -> None:
    # the Mystic River is the line between Groton (west) and Stonington (east)
    assert town_of("Mystic", 41.3570, -71.9720) == "Groton"
    assert town_of("Mystic", 41.3543, -71.9665) == "Stonington"
    assert town_of("Georgetown", 41.255, -73.434) == "Wilton"


def test_a_place_in_two_towns_without_coordinates_is_ambiguous() -> None:
    with pytest.raises(
        AmbiguousPlace, match=r"Mystic lies in more than one town \(Groton, Stonington\)"
    ):
        town_of("Mystic")
    with pytest.raises(AmbiguousPlace, match="in none of them"):
        town_of("Mystic", 41.7637, -72.6851)  # Hartford: neither Groton nor Stonington
    assert town_of("Mystic (Stonington)") == "Stonington"  # the town given settles it


def test_every_place_names_bundled_towns_and_no_place_is_a_town() -> None:
    towns = {t["name"] for t in bundled_towns()}
    assert len(places()) > 150
    for place in places():
        assert set(place.towns) <= towns, place
        assert place.name not in towns, place
        assert place.kind and place.source in {"census-cdp", "local"}, place


def test_the_places_file_names_each_place_once() -> None:
    content = resources.files("cgic_data").joinpath("resources/ct_places.csv").read_text("utf-8")
    names = [r["place"].casefold() for r in csv.DictReader(content.splitlines())]
    assert len(names) == len(set(names))


def test_each_towns_centre_lies_inside_its_own_boundary() -> None:
    # the centroid of the largest polygon (ct_towns.csv) is inside the town, outside the others
    for town in bundled_towns():
        assert contains(str(town["name"]), float(town["lat"]), float(town["lon"])), town["name"]
    assert not contains("Groton", 41.7637, -72.6851)
