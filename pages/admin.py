"""Accounts (admins): list, add, disable/enable, reset password, unlock, role and agency.

Every change goes through ``cgic_data.accounts``, which checks it and writes the audit row. The
account list is read fresh on each run (not cached): an admin must see the effect of a change.
"""

from collections.abc import Callable
from datetime import datetime

import streamlit as st

from cgic_data import access, accounts
from cgic_data.access import AccessError, generate_password
from cgic_data.queries import reference
from cgic_data.schema import Role
from cgic_ui.context import page_context
from cgic_ui.runtime import cached, store
from cgic_ui.tables import MISSING

FLASH_KEY = "admin-flash"
ALL_AGENCIES = "All agencies (CGIC/lab staff)"

ctx = page_context()
actor = ctx.viewer
if actor.role is not Role.ADMIN or not actor.sees_all_agencies:
    st.error("Only a lab-wide admin may manage accounts.")
    st.stop()

agencies = cached(reference.agencies)
agency_by_label = {ALL_AGENCIES: None} | dict(
    zip(agencies["name"], agencies["id"].astype(int), strict=True)
)
label_by_agency = {v: k for k, v in agency_by_label.items()}


def change(run: Callable[[], object], done: str, password: str | None = None) -> None:
    """Run one audited change; remember what to tell the admin after the rerun."""
    try:
        run()
    except (AccessError, PermissionError) as exc:
        st.session_state[FLASH_KEY] = ("error", str(exc).capitalize() + ".", None)
    else:
        st.session_state[FLASH_KEY] = ("success", done, password)
    st.rerun()


st.title("Accounts")
st.caption(
    "Lab directors and admins see all agencies; commanders and analysts see one agency, or all "
    "when they have none (CGIC staff). Every change here is recorded in the audit log."
)
flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    kind, message, password = flash
    getattr(st, kind)(message)
    if password:
        st.warning("Give this password to its owner now; it is not shown again.")
        st.code(password, language=None)

table = access.list_accounts(store())
now = datetime.now()
shown = table.fillna({"display_name": "", "email": ""}).assign(
    agency=table["agency_name"].fillna("All agencies"),
    locked=table["locked_until"].notna() & (table["locked_until"] > now),
    sign_in=table["has_password"].map({True: "password", False: "identity provider"}),
)
st.dataframe(
    shown[
        [
            "username",
            "display_name",
            "email",
            "role",
            "agency",
            "active",
            "locked",
            "failed_sign_ins",
            "last_sign_in_at",
            "sign_in",
        ]
    ],
    hide_index=True,
    placeholder=MISSING,
    width="stretch",
    column_config={
        "username": "Username",
        "display_name": "Name",
        "email": "Email (identity provider)",
        "role": "Role",
        "agency": "Agency",
        "active": st.column_config.CheckboxColumn("Active"),
        "locked": st.column_config.CheckboxColumn("Locked"),
        "failed_sign_ins": st.column_config.NumberColumn("Failed sign-ins"),
        "last_sign_in_at": st.column_config.DatetimeColumn(
            "Last sign-in", format="YYYY-MM-DD HH:mm"
        ),
        "sign_in": "Signs in with",
    },
)

add_tab, change_tab = st.tabs(["Add an account", "Change an account"])
with add_tab, st.form("add-account", clear_on_submit=True):
    left, right = st.columns(2)
    username = left.text_input("Username", help="Letters, digits, '.', '_', '-', '@'")
    display_name = right.text_input("Full name")
    role = left.selectbox("Role", list(Role), format_func=str)
    agency_label = right.selectbox("Agency", list(agency_by_label))
    email = left.text_input("Email at the identity provider (optional)")
    idp_only = right.checkbox(
        "Identity-provider sign-in only (no password)", help="Needs the email above."
    )
    if st.form_submit_button("Add account", type="primary"):
        password = None if idp_only else generate_password()
        change(
            lambda: accounts.add_user(
                store(),
                actor,
                username,
                role,
                agency_id=agency_by_label[agency_label],
                password=password,
                email=email,
                display_name=display_name,
            ),
            done=f"Account {username.strip().lower()} added.",
            password=password,
        )

with change_tab:
    if table.empty:
        st.info("No accounts yet.")
        st.stop()
    name = st.selectbox("Account", table["username"].tolist())
    account = access.require_account(store(), name)
    state = "active" if account.is_active else "disabled"
    if account.is_locked(now):
        state += f", locked until {account.locked_until:%H:%M}"
    current_agency = label_by_agency.get(account.agency_id, ALL_AGENCIES)
    st.markdown(f"**{account.username}** — {account.role}, {current_agency}; {state}.")

    with st.form("role-agency"):
        left, right = st.columns(2)
        new_role = left.selectbox("Role", list(Role), index=list(Role).index(account.role))
        new_agency = right.selectbox(
            "Agency", list(agency_by_label), index=list(agency_by_label).index(current_agency)
        )
        if st.form_submit_button("Save role and agency"):
            change(
                lambda: accounts.set_role(
                    store(), actor, name, new_role, agency_by_label[new_agency]
                ),
                done=f"{name} is now {new_role}, {new_agency}.",
            )

    buttons = st.columns(4)
    if account.is_active:
        if buttons[0].button("Disable", icon=":material/block:", width="stretch"):
            change(
                lambda: accounts.disable_user(store(), actor, name),
                done=f"{name} is disabled and signed out.",
            )
    elif buttons[0].button("Enable", icon=":material/check_circle:", width="stretch"):
        change(lambda: accounts.enable_user(store(), actor, name), done=f"{name} is enabled.")
    if buttons[1].button(
        "Release lockout",
        icon=":material/lock_open:",
        width="stretch",
        disabled=not account.is_locked(now) and account.failed_sign_ins == 0,
    ):
        change(
            lambda: accounts.unlock_user(store(), actor, name),
            done=f"The lockout of {name} is released.",
        )
    if buttons[2].button("Reset password", icon=":material/password:", width="stretch"):
        new_password = generate_password()
        change(
            lambda: accounts.reset_password(store(), actor, name, new_password),
            done=f"New password for {name}; its sessions are signed out.",
            password=new_password,
        )
    if buttons[3].button("Sign out everywhere", icon=":material/devices_off:", width="stretch"):
        change(
            lambda: accounts.sign_out_everywhere(store(), actor, name),
            done=f"Every session of {name} is signed out.",
        )
