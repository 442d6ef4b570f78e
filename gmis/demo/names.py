"""Invented facility names (and their katakana readings), built from a real place name,
a common surname, a department or a pharmacy brand, in the patterns real facilities use."""

from __future__ import annotations

import random
import re

from gmis.models import FacilityType
from gmis.postal import PostalArea

_SURNAMES = [
    ("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"),
    ("田中", "タナカ"), ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山本", "ヤマモト"),
    ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"),
    ("斎藤", "サイトウ"), ("清水", "シミズ"), ("山口", "ヤマグチ"), ("森", "モリ"),
    ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"), ("石川", "イシカワ"),
    ("前田", "マエダ"), ("藤田", "フジタ"), ("小川", "オガワ"), ("岡田", "オカダ"),
    ("後藤", "ゴトウ"), ("長谷川", "ハセガワ"), ("村上", "ムラカミ"), ("近藤", "コンドウ"),
    ("石井", "イシイ"), ("坂本", "サカモト"), ("遠藤", "エンドウ"), ("青木", "アオキ"),
    ("藤井", "フジイ"), ("西村", "ニシムラ"), ("福田", "フクダ"), ("太田", "オオタ"),
]
_DEPARTMENTS = [
    ("内科", "ナイカ"), ("小児科", "ショウニカ"), ("整形外科", "セイケイゲカ"), ("眼科", "ガンカ"),
    ("耳鼻咽喉科", "ジビインコウカ"), ("皮膚科", "ヒフカ"), ("消化器内科", "ショウカキナイカ"),
    ("循環器内科", "ジュンカンキナイカ"), ("外科", "ゲカ"), ("産婦人科", "サンフジンカ"),
    ("心療内科", "シンリョウナイカ"), ("泌尿器科", "ヒニョウキカ"),
]
_PHARMACY_BRANDS = [
    ("さくら", "サクラ"), ("ひまわり", "ヒマワリ"), ("あおば", "アオバ"), ("みどり", "ミドリ"),
    ("つばさ", "ツバサ"), ("すずらん", "スズラン"), ("けやき", "ケヤキ"), ("たんぽぽ", "タンポポ"),
    ("こすもす", "コスモス"), ("なの花", "ナノハナ"),
]
# (name, kana) templates: p/pk place, s/sk surname, d/dk department, b/bk brand, c/ck city.
_NAME_TEMPLATES = {
    FacilityType.hospital: [
        ("{p}中央病院", "{pk}チュウオウビョウイン"), ("{s}記念病院", "{sk}キネンビョウイン"),
        ("{p}総合病院", "{pk}ソウゴウビョウイン"), ("{s}病院", "{sk}ビョウイン"),
        ("{p}第一病院", "{pk}ダイイチビョウイン"),
        ("{p}リハビリテーション病院", "{pk}リハビリテーションビョウイン"),
    ],
    FacilityType.clinic: [
        ("{s}{d}クリニック", "{sk}{dk}クリニック"), ("{s}{d}医院", "{sk}{dk}イイン"),
        ("{p}{d}クリニック", "{pk}{dk}クリニック"), ("{s}医院", "{sk}イイン"),
        ("{p}ファミリークリニック", "{pk}ファミリークリニック"),
        ("{p}駅前{d}クリニック", "{pk}エキマエ{dk}クリニック"),
    ],
    FacilityType.dental_clinic: [
        ("{s}歯科医院", "{sk}シカイイン"), ("{p}歯科クリニック", "{pk}シカクリニック"),
        ("{s}デンタルクリニック", "{sk}デンタルクリニック"), ("{p}こども歯科", "{pk}コドモシカ"),
        ("{s}歯科", "{sk}シカ"),
    ],
    FacilityType.pharmacy: [
        ("{b}薬局 {p}店", "{bk}ヤッキョク {pk}テン"), ("{b}薬局 {p}店", "{bk}ヤッキョク {pk}テン"),
        ("{s}薬局", "{sk}ヤッキョク"), ("{p}調剤薬局", "{pk}チョウザイヤッキョク"),
    ],
    FacilityType.outpatient_centre: [
        ("{p}発熱外来センター", "{pk}ハツネツガイライセンター"),
        ("{p}PCR検査センター", "{pk}ピーシーアールケンサセンター"),
        ("{p}地域外来・検査センター", "{pk}チイキガイライ・ケンサセンター"),
    ],
}
#: 市民病院 is named after a city proper (not a ward of one, not a town in a 郡).
_CITY_HOSPITAL = ("{c}民病院", "{ck}ミンビョウイン")
CITY_PROPER = re.compile(r"[^郡区]+市")


def facility_name(rng: random.Random, facility_type: FacilityType,
                   address: PostalArea) -> tuple[str, str]:
    templates = _NAME_TEMPLATES[facility_type]
    if facility_type == FacilityType.hospital and CITY_PROPER.fullmatch(address.city):
        templates = [*templates, _CITY_HOSPITAL]
    name, kana = rng.choice(templates)
    surname, surname_kana = rng.choice(_SURNAMES)
    department, department_kana = rng.choice(_DEPARTMENTS)
    brand, brand_kana = rng.choice(_PHARMACY_BRANDS)
    values = dict(p=address.town, pk=address.town_kana, s=surname,
                  sk=surname_kana, d=department, dk=department_kana, b=brand, bk=brand_kana,
                  c=address.city, ck=address.city_kana)
    return name.format(**values), kana.format(**values)
