"""``python -m gmis.bench``: run every benchmark and print its figures."""

from gmis.bench import daily_reporting, page_weight, sos_pdf, survey_form


def main() -> None:
    print("G-MIS benchmarks (median of repeated runs; ratio = figure / floor of the same run)")
    for benchmark in (survey_form, page_weight, sos_pdf, daily_reporting):
        benchmark.run()


if __name__ == "__main__":
    main()
