"""Command line: ``python -m course build …`` and ``python -m course grade …`` for instructors,
``python -m course vendor`` for the website's offline MathJax."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .assignments import build
from .grading import grade_folder
from .toc import chapter_id, chapter_source, chapters
from .vendor import vendor_mathjax


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    make = commands.add_parser("build", help="student and instructor notebooks, grading bundles")
    make.add_argument(
        "chapters", nargs="*", help="chapter ids such as foundations/mlp (default: all)"
    )
    make.add_argument("--out", type=Path, default=Path("_build/assignments"))
    make.add_argument(
        "--private-tests",
        type=Path,
        default=None,
        help="folder of extra hidden tests, <chapter id>.md, kept out of the public repo",
    )
    make.add_argument(
        "--private-only", action="store_true", help="grade with the private hidden tests alone"
    )

    grade = commands.add_parser("grade", help="grade a folder of submitted notebooks")
    grade.add_argument("submissions", type=Path, help="folder of <student>.ipynb files")
    grade.add_argument(
        "--bundle", type=Path, required=True, help="grading/<chapter>.json from build"
    )
    grade.add_argument("--out", type=Path, default=Path("_build/grades"))
    grade.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell")

    commands.add_parser("vendor", help="fetch MathJax into book/_vendor (run by make install)")

    args = parser.parse_args(argv)
    if args.command == "vendor":
        print(vendor_mathjax())
    elif args.command == "build":
        wanted = args.chapters or [chapter_id(p) for p in chapters()]
        try:
            sources = {chapter: chapter_source(chapter) for chapter in wanted}
        except ValueError as error:
            parser.error(str(error))
        if args.private_only and args.private_tests is None:
            parser.error("--private-only needs --private-tests")
        for path in build(sources, args.out, args.private_tests, args.private_only):
            print(path)
    else:
        for result in grade_folder(args.submissions, args.bundle, args.out, timeout=args.timeout):
            total = result["extra_data"]["max_score"]
            print(f"{result['student']}: {result['score']}/{total}  {result['output']}")
        print(f"results in {args.out}/<student>/results.json and {args.out}/summary.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
