"""The `user` command: add, remove, list, disable and enable users, change passwords, make API tokens.

Every change is written to the audit log with the person at the keyboard as actor."""
from __future__ import annotations

import sys

from ingest.cli._common import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, cli_actor, data_dir, print_json


def _read_new_password(args) -> str | None:
    """From stdin (first line) with --password-stdin, else asked twice on a terminal; never echoed."""
    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        print("Inget lösenord: ange det med --password-stdin eller kör kommandot i en terminal.", file=sys.stderr)
        return None
    import getpass

    first = getpass.getpass("Lösenord: ")
    if getpass.getpass("Upprepa lösenordet: ") != first:
        print("Lösenorden är inte lika.", file=sys.stderr)
        return None
    return first


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def cmd_user(args) -> int:
    from webapp.accounts import Accounts

    accounts = Accounts(data_dir(args).catalogue)
    if args.user_command == "add":
        password = _read_new_password(args)
        if password is None:
            return EXIT_USAGE
        try:
            user = accounts.add_user(args.name, password, args.role)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
        accounts.audit(cli_actor(), "user.add", user.username, {"role": user.role})
        print(f"Användaren {user.username} ({user.role}) är skapad.")
        return EXIT_OK
    if args.user_command == "remove":
        if not accounts.remove_user(args.name):
            print(f"Användaren {args.name} finns inte.", file=sys.stderr)
            return EXIT_SOME_FAILED
        accounts.audit(cli_actor(), "user.remove", args.name.strip().lower(), {})
        print(f"Användaren {args.name.strip().lower()} är borttagen, liksom dess API-nycklar.")
        return EXIT_OK
    if args.user_command == "passwd":
        name = args.name.strip().lower()
        if not accounts.exists(name):  # before asking for a password
            print(f"Användaren {name} finns inte.", file=sys.stderr)
            return EXIT_SOME_FAILED
        password = _read_new_password(args)
        if password is None:
            return EXIT_USAGE
        try:
            revoked = accounts.set_password(name, password)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
        accounts.audit(cli_actor(), "user.passwd", name, {"tokens_revoked": revoked})
        print(f"Lösenordet för {name} är bytt. Alla inloggningar har avslutats och "
              f"{_count(revoked, 'API-nyckel', 'API-nycklar')} har återkallats.")
        return EXIT_OK
    if args.user_command in ("disable", "enable"):
        disable = args.user_command == "disable"
        try:
            accounts.set_disabled(args.name, disable)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_SOME_FAILED
        name = args.name.strip().lower()
        accounts.audit(cli_actor(), f"user.{args.user_command}", name, {})
        if disable:
            print(f"Användaren {name} är avstängd. Alla inloggningar har avslutats; "
                  "API-nycklarna gäller inte så länge kontot är avstängt.")
        else:
            print(f"Användaren {name} kan logga in igen. Tidigare inloggningar är fortfarande avslutade.")
        return EXIT_OK
    if args.user_command == "list":
        users = accounts.list_users()
        if args.json:
            print_json(users)
        elif not users:
            print("Inga användare. Skapa en med: kunskapsbank user add NAMN --role admin")
        else:
            for u in users:
                state = "  (avstängd)" if u["disabled"] else ""
                print(f"{u['username']:<40} {u['role']:<7} skapad {u['created_at']}  {u['tokens']} API-nycklar{state}")
        return EXIT_OK
    if args.user_command == "token":
        try:
            token = accounts.create_token(args.name)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_SOME_FAILED
        accounts.audit(cli_actor(), "token.create", args.name.strip().lower(), {})
        print("Ny API-nyckel (visas bara nu, spara den på ett säkert ställe):", file=sys.stderr)
        print(token)
        return EXIT_OK
    return EXIT_USAGE


def add_commands(sub, common) -> None:
    p = sub.add_parser("user", parents=[common], help="hantera redaktörer och administratörer")
    users = p.add_subparsers(dest="user_command", required=True, metavar="ÅTGÄRD")
    u = users.add_parser("add", parents=[common], help="skapa en användare")
    u.add_argument("name", metavar="NAMN")
    u.add_argument("--role", choices=["reader", "editor", "admin"], required=True,
                   help="reader (personal: ser interna dokument), editor (redaktör: laddar upp och tar bort) eller admin")
    u.add_argument("--password-stdin", action="store_true", help="läs lösenordet från standard in")
    u = users.add_parser("remove", parents=[common], help="ta bort en användare och dess API-nycklar")
    u.add_argument("name", metavar="NAMN")
    u = users.add_parser("list", parents=[common], help="lista användarna")
    u.add_argument("--json", action="store_true")
    u = users.add_parser("token", parents=[common], help="skapa en ny API-nyckel (visas en gång)")
    u.add_argument("name", metavar="NAMN")
    u = users.add_parser("passwd", parents=[common],
                         help="byt lösenord; avslutar alla inloggningar och återkallar API-nycklarna")
    u.add_argument("name", metavar="NAMN")
    u.add_argument("--password-stdin", action="store_true", help="läs lösenordet från standard in")
    u = users.add_parser("disable", parents=[common], help="stäng av en användare; avslutar alla inloggningar")
    u.add_argument("name", metavar="NAMN")
    u = users.add_parser("enable", parents=[common], help="låt en avstängd användare logga in igen")
    u.add_argument("name", metavar="NAMN")
    p.set_defaults(func=cmd_user)
