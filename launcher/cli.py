"""The ``pathways`` command: ``dev``, ``serve``, ``db bootstrap|prepare|migrate``,
``create-admin``, ``rotate-keys``, ``reseal``, ``demo``, ``import-candidates``, ``wait-run``,
``esco load``."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

from launcher import database, runner
from launcher.bootstrap import bootstrap
from launcher.keys import use_development_keys
from launcher.migrate import downgrade, upgrade
from launcher.topology import SERVICES, service

# demo.scenarios.SCENARIOS' names
DEMO_SCENARIOS = ("homere", "palim", "mentor2", "digital-explorers", "match", "wafira", "ygca",
                  "move-green")


def _esco_load(folder: Path, *, out: Path, version: str) -> int:
    from launcher.esco import load

    try:
        loaded = load(folder, out=out, version=version)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    skills = sum(1 for c in loaded.concepts.values() if c.kind == "skill")
    print(f"{version}: {skills} skills, {len(loaded.concepts) - skills} occupations "
          f"written to {out}; set ESCO_FILE={out} for the services")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pathways`` command."""
    parser = argparse.ArgumentParser(prog="pathways", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="prepare the database and run every service")
    dev.add_argument("--replicas", type=int, default=1, choices=range(1, 5), metavar="N",
                     help="run N processes of every service and of the gateway (1-4)")
    dev.add_argument("--demo", choices=DEMO_SCENARIOS,
                     help="once everything is ready, seed this demo scenario through the API")
    dev.add_argument("--port-base", type=int, default=runner.DEFAULT_PORT_BASE, metavar="N",
                     help="run the gateway on port N and each service at its offset from it "
                     "(candidates N+101, placements N+102, reintegration N+103; "
                     f"default {runner.DEFAULT_PORT_BASE})")
    db = commands.add_parser("db", help="database set-up").add_subparsers(dest="db_command",
                                                                          required=True)
    db.add_parser("bootstrap", help="create the database, roles and schemas (idempotent)")
    prepare = db.add_parser("prepare", help="bootstrap, then migrate every service to head "
                            "(idempotent; concurrent runs take turns)")
    prepare.add_argument("--service", choices=[s.name for s in SERVICES],
                         help="only this service's role, schema and migrations (a container's "
                         "init step: it needs only that role's password)")
    migrate = db.add_parser("migrate", help="run migrations of every service, or one")
    migrate.add_argument("--service", choices=[s.name for s in SERVICES])
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--down", action="store_true", help="downgrade to --revision")
    admin = commands.add_parser("create-admin", help="create an admin account in the gateway")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--gateway-url", default="http://127.0.0.1:8000")
    serve = commands.add_parser("serve", help="run one service in the foreground (containers)")
    serve.add_argument("name", choices=[s.name for s in SERVICES])
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int)
    rotate = commands.add_parser("rotate-keys", help="start a new token signing key")
    rotate.add_argument("--algorithm", choices=["RS256", "EdDSA"], default="RS256")
    commands.add_parser("reseal", help="rewrap every sealed secret with the current sealing key "
                        "(SEALING_KEY_ID), sealing any stored before sealing existed")
    demo = commands.add_parser("demo", help="seed a demo scenario through the running gateway")
    demo.add_argument("scenario", choices=DEMO_SCENARIOS)
    demo.add_argument("--gateway-url", default="http://127.0.0.1:8000")
    demo.add_argument("--admin-email", help="an admin to seed as (default: a demo admin "
                      "created in the database, as create-admin does)")
    demo.add_argument("--admin-password")
    demo.add_argument("--seed", type=int, help="draw other people (default: the scenario's)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    for name, help_text in (("import-candidates", "bulk-import a CSV or NDJSON file of "
                             "candidates through the gateway"),
                            ("wait-run", "wait for a matching run to finish")):
        command = commands.add_parser(name, help=help_text)
        if name == "import-candidates":
            command.add_argument("file", type=Path)
            command.add_argument("--programme", metavar="ID", help="the programme the people "
                                 "are for (required from an officer: one of theirs)")
            command.add_argument("--institution", metavar="ID", help="the institution whose "
                                 "students they are (an admin's import; an institution's "
                                 "account imports its own)")
        else:
            command.add_argument("run_id")
        command.add_argument("--gateway-url", default="http://127.0.0.1:8000")
        command.add_argument("--email", help="log in as this person (with --password)")
        command.add_argument("--password")
        command.add_argument("--token", help="or use this bearer token")
        command.add_argument("--no-progress", action="store_true", help="no progress bar")
    esco = commands.add_parser("esco", help="the ESCO classification").add_subparsers(
        dest="esco_command", required=True)
    esco_load = esco.add_parser("load", help="turn ESCO's official CSV download into the file "
                                "the services read (then set ESCO_FILE to it)")
    esco_load.add_argument("folder", type=Path, help="the unpacked download: skills_en.csv, "
                           "occupations_en.csv, broaderRelationsSkillPillar_en.csv, …")
    esco_load.add_argument("--out", type=Path, default=Path("var/esco.json"))
    esco_load.add_argument("--version", dest="esco_version", required=True,
                           help="the download's version, e.g. \"ESCO v1.2.0\"")
    messages = commands.add_parser("messages", help="collect the messages people read into the "
                                   "catalogues (en/fr/ar); --check lists those untranslated")
    messages.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "messages":
        from launcher import messages as catalogues  # imports every service: only when asked

        return catalogues.main(["--check"] if args.check else [])
    if args.command == "esco":
        return _esco_load(args.folder, out=args.out, version=args.esco_version)
    if args.command == "dev" or (args.command not in ("serve", "import-candidates", "wait-run")
                                 and not os.environ.get("DATABASE_URL")):
        # The development database (embedded, under var/) keeps its keys beside it: generated
        # once, used unless the environment has its own. Elsewhere the keys have no default.
        use_development_keys(Path(runner.PROJECT_ROOT) / "var")
    if args.command == "dev":
        return runner.dev(replicas=args.replicas, demo=args.demo, port_base=args.port_base)
    if args.command == "demo" and args.admin_email:
        if not args.admin_password:
            parser.error("--admin-email needs --admin-password")
        return _demo(args, (args.admin_email, args.admin_password))
    if args.command in ("import-candidates", "wait-run"):
        return _api_command(parser, args)
    if args.command == "serve":
        return runner.serve(service(args.name), host=args.host, port=args.port)
    admin_url = database.admin_database_url(
        data_dir=Path(runner.PROJECT_ROOT) / "var" / "postgres")
    if args.command == "reseal":
        from launcher.reseal import reseal

        return reseal({spec: database.service_database_url(admin_url, spec)
                       for spec in SERVICES})
    if args.command == "rotate-keys":
        from launcher.accounts import rotate_keys

        return rotate_keys(admin_url, algorithm=args.algorithm)
    if args.command == "demo":
        from demo.seed import DEMO_ADMIN
        from launcher.accounts import ensure_admin

        return _demo(args, ensure_admin(admin_url, email=DEMO_ADMIN[0], password=DEMO_ADMIN[1]))
    if args.command == "create-admin":
        from launcher.accounts import create_admin  # the gateway's code, run from the one command

        return create_admin(admin_url, email=args.email, password=args.password,
                            gateway_url=args.gateway_url)
    if args.db_command == "prepare":
        prepared = (service(args.service),) if args.service else SERVICES
        database.prepare_database(admin_url, prepared)
        print("prepared: " + ", ".join(s.schema for s in prepared))
        return 0
    if args.db_command == "bootstrap":
        asyncio.run(bootstrap(admin_url, SERVICES))
        print("bootstrapped: " + ", ".join(s.schema for s in SERVICES))
        return 0
    specs = (service(args.service),) if args.service else SERVICES
    for spec in specs:
        url = database.service_database_url(admin_url, spec)
        if args.down:
            downgrade(spec, url, args.revision)
        else:
            upgrade(spec, url, args.revision)
        print(f"{spec.name}: {'down' if args.down else 'up'} to {args.revision}")
    return 0


def _api_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from launcher import api_commands
    from launcher.api_client import Api, ApiError

    if args.token:
        api = Api(args.gateway_url, args.token)
    elif args.email and args.password:
        try:
            api = Api.login(args.gateway_url, args.email, args.password)
        except ApiError as error:
            print(error)
            return 2
    else:
        parser.error("give --email and --password, or --token")
    try:
        if args.command == "import-candidates":
            return api_commands.import_candidates(
                api, args.file, programme_id=args.programme, institution_id=args.institution,
                progress=not args.no_progress)
        return api_commands.wait_for_run(api, args.run_id, progress=not args.no_progress)
    finally:
        api.close()


def _demo(args: argparse.Namespace, admin: tuple[str, str]) -> int:
    from demo.seed import run  # only this command needs the demo package (and tqdm)

    return run(args.scenario, gateway_url=args.gateway_url, admin=admin, seed_value=args.seed,
               progress=not args.no_progress)


if __name__ == "__main__":
    sys.exit(main())
