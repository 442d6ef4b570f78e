"""``python -m tools.bench [NAME ...]``: run every benchmark (or those named, such as
``page_weight``) and print its figures."""

import sys

from tools.bench import (
    daily_reporting,
    page_weight,
    public_search,
    sos_pdf,
    survey_builder,
    survey_form,
)

BENCHMARKS = {"survey_form": survey_form, "survey_builder": survey_builder,
              "page_weight": page_weight, "sos_pdf": sos_pdf, "daily_reporting": daily_reporting,
              "public_search": public_search}


def main(names: list[str]) -> None:
    unknown = set(names) - BENCHMARKS.keys()
    if unknown:
        sys.exit(f"unknown benchmark {', '.join(sorted(unknown))}; "
                 f"choose from {', '.join(BENCHMARKS)}")
    print("G-MIS benchmarks (median of repeated runs; ratio = figure / floor of the same run)")
    for name, benchmark in BENCHMARKS.items():
        if not names or name in names:
            benchmark.run()


if __name__ == "__main__":
    main(sys.argv[1:])
