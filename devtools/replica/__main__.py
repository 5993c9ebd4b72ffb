"""``python -m devtools.replica``: run the replica until SIGTERM/SIGINT.

Prints the base URL alone on the first stdout line (flushed), so a parent
process started with ``--port 0`` can learn the port. Request logs go to stderr.
"""

import argparse
import signal
import sys
import threading

from .config import DEFENSES, MODES, ReplicaConfig
from .server import ReplicaServer


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m devtools.replica",
        description="Local replica of SUNAT's Consulta RUC for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="0 picks a free port (default: 8001)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each jcrS00Alias answer")
    parser.add_argument("--mode", choices=MODES, default="ok", help="how jcrS00Alias answers")
    parser.add_argument("--fail-next", type=int, default=0, help="apply --mode to the next N requests only")
    parser.add_argument("--no-synthetic", action="store_true", help="unknown valid RUCs are 'no es válido'")
    parser.add_argument("--keep-open", action="store_true", help="no Content-Length, connection held open")
    parser.add_argument("--keep-open-seconds", type=float, default=30.0)
    parser.add_argument("--defense", choices=sorted(DEFENSES), default="plain",
                        help="SUNAT's reported defenses to switch on (config.DEFENSES; default: plain, none)")
    parser.add_argument("--files-dir", help="serve SUNAT's bulk files (padron_reducido_ruc.zip, AgenRet_TXT.zip...) "
                        "from this directory, at SUNAT's paths")
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        config = ReplicaConfig(
            latency=args.latency,
            mode=args.mode,
            fail_next=args.fail_next,
            synthetic=not args.no_synthetic,
            keep_open=args.keep_open,
            keep_open_seconds=args.keep_open_seconds,
        ).update(**DEFENSES[args.defense])
    except ValueError as error:
        build_parser().error(str(error))

    stop_requested = threading.Event()

    def request_stop(signum, frame):
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    server = ReplicaServer(args.host, args.port, config, log_requests=not args.quiet, files_dir=args.files_dir)
    try:
        server.start()
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(server.url, flush=True)
    try:
        while not stop_requested.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
