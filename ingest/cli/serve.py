"""The `serve` command: the web UI and API in one or several server processes."""
from __future__ import annotations

import os

from ingest.cli._common import EXIT_OK, data_dir, open_index


def cmd_serve(args) -> int:
    import uvicorn

    from webapp.server_process import create_server_app

    data = data_dir(args)
    print(f"Kunskapsbanken körs på http://{args.host}:{args.port}  (data: {data.root}, {args.workers} process(er))")
    if args.workers > 1:
        # Each worker process builds its own app from the environment; they share catalogue and index.
        os.environ["KUNSKAPSBANK_DATA"] = str(data.root)
        data.ensure()
        catalogue, index = open_index(data)  # repair any drift once, before the workers start
        index.close()
        catalogue.close()
        uvicorn.run("webapp.server_process:create_server_app", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level="warning")
    else:
        uvicorn.run(create_server_app(data), host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def add_commands(sub, common) -> None:
    p = sub.add_parser("serve", parents=[common], help="starta webbgränssnittet")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, choices=range(1, 17), metavar="N",
                   help="serverprocesser (2 på en maskin med två kärnor ger mest under last)")
    p.set_defaults(func=cmd_serve)
