"""回答状況・回答一覧 and the homes of those who oversee: what prefectures, cities and the
national office read about the answers in their scope.

``operations`` (the surveys overseen, the answer status of a period, the responses of a date
range), ``exports`` (the response list as CSV), ``overview`` (the homes: today's figures,
what waits, a fortnight's trend) and ``matrix`` (an aggregator's members × the surveys due).
How they are served lives in ``gmis.blueprints.reports`` and ``gmis.blueprints.home``.
"""
