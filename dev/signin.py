"""A local OpenID Connect provider for trying sign-in on one machine: `python -m dev.signin`.

It starts the PyPI package oidc-provider-mock (a real OpenID Connect provider made for
development) on 127.0.0.1, with demo identities, and, when they are missing, writes
`.streamlit/secrets.toml` (an [auth] section pointing at it) and `access.toml` (an office
for Hertfordshire, an office for Essex, an APCC reviewer and an admin, each keyed on this
provider's issuer and the identity's subject, as workflow.access matches them). Then run
`make run` and sign in: the provider's page lets you pick a demo identity or type any
subject. Never use it in production: it signs in whoever asks.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading

from core import paths

DEMO = (
    {"sub": "herts.office@example.org", "email": "herts.office@example.org", "name": "Hertfordshire OPCC (demo)"},
    {"sub": "essex.office@example.org", "email": "essex.office@example.org", "name": "Essex PFCC office (demo)"},
    {"sub": "reviewer@example.org", "email": "reviewer@example.org", "name": "APCC reviewer (demo)"},
    {"sub": "admin@example.org", "email": "admin@example.org", "name": "APCC admin (demo)"},
)
ROLES = {
    "herts.office@example.org": ("office", "E23000027"),
    "essex.office@example.org": ("office", "E23000028"),
    "reviewer@example.org": ("reviewer", None),
    "admin@example.org": ("admin", None),
}
ACCESS_MARK = "# Demo access list written by `python -m dev.signin` (see workflow/access.py)."


def access_toml(issuer: str, users=DEMO) -> str:
    """The demo access list for the provider at `issuer`: each demo identity by its issuer and subject."""
    out = [ACCESS_MARK]
    for user in users:
        role, force = ROLES[user["email"]]
        out += ["", f"[[{role}]]", f'email = "{user["email"]}"', f'issuer = "{issuer}"', f'subject = "{user["sub"]}"']
        out += [f'force = "{force}"'] if force else []
    return "\n".join(out) + "\n"


SECRETS_MARK = "# Sign-in for local development, written by `python -m dev.signin`."


def _written_here(path) -> bool:
    return path.read_text(encoding="utf-8", errors="replace").startswith(SECRETS_MARK)


def secrets_toml(issuer: str, app_port: int) -> str:
    return (
        SECRETS_MARK + "\n"
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(24)}"\n'
        'client_id = "stalking-dashboard-dev"\n'
        'client_secret = "dev-secret"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
    )


def serve(port: int, users=DEMO):
    """Start the provider on 127.0.0.1:port in a thread; returns (issuer URL, server)."""
    import oidc_provider_mock
    import werkzeug.serving

    app = oidc_provider_mock.app(
        user_claims=[
            oidc_provider_mock.User(sub=u["sub"], claims={k: v for k, v in u.items() if k != "sub"}) for u in users
        ]
    )
    server = werkzeug.serving.make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev.signin", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9400, help="the provider's port (default 9400)")
    parser.add_argument("--app-port", type=int, default=8501, help="the dashboard's port (default 8501)")
    args = parser.parse_args(argv)
    issuer, server = serve(args.port)
    secrets_file = paths.REPO_ROOT / ".streamlit" / "secrets.toml"
    wanted = secrets_toml(issuer, args.app_port)
    if not secrets_file.exists() or _written_here(secrets_file):
        # Ours (or none): rewritten, so the sign-in comes back to the port the dashboard is served on.
        secrets_file.write_text(wanted, encoding="utf-8")
        print(f"Wrote {secrets_file}: sign-in through {issuer}, back to http://127.0.0.1:{args.app_port}")
    else:
        print(
            f"{secrets_file} exists and was not written here; check that its [auth] server_metadata_url is "
            f"{issuer}/.well-known/openid-configuration and redirect_uri http://127.0.0.1:{args.app_port}/oauth2callback"
        )
    if not paths.ACCESS_FILE.exists() or paths.ACCESS_FILE.read_text(encoding="utf-8").startswith(ACCESS_MARK):
        # Ours (or none): rewritten, so it names this provider's issuer (its port is in it).
        paths.ACCESS_FILE.write_text(access_toml(issuer), encoding="utf-8")
        print(f"Wrote {paths.ACCESS_FILE} (demo identities at {issuer})")
    print(
        f"OpenID Connect provider for development at {issuer} (Ctrl+C to stop). Demo identities: "
        + ", ".join(u["email"] for u in DEMO)
    )
    print(
        f"Next: in another terminal, `make run PORT={args.app_port}` (restart it if it is already running: "
        "Streamlit reads the sign-in settings when it starts). Sign in as admin@example.org and open a round "
        "on the Rounds page first; then an office has a return to fill in."
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
