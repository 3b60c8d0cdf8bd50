"""Headline material per language, written for this corpus: subjects and predicates that combine into titles.

Each language's words fit the legacy encodings the corpus writes it in (checked when a feed is encoded), so a
title's truth is the text itself, whatever bytes carry it.
"""

from __future__ import annotations

import random

SUBJECTS: dict[str, list[str]] = {
    "en": [
        "City council",
        "Port workers",
        "The central bank",
        "Flood defences",
        "Rail operators",
        "Health officials",
        "Farmers’ union",
        "The coastguard",
        "Teachers",
        "Wind farm plan",
        "Water utility",
        "Election monitors",
    ],
    "fr": [
        "Le conseil municipal",
        "Les éleveurs",
        "La préfecture",
        "Les cheminots",
        "Le ministère de l’Éducation",
        "Une crue",
        "Les pêcheurs bretons",
        "Le tribunal",
        "La mairie de Besançon",
        "Les infirmières",
    ],
    "es": [
        "El ayuntamiento",
        "Los agricultores",
        "La Guardia Civil",
        "El Banco de España",
        "Los médicos",
        "Una tormenta",
        "La compañía eléctrica",
        "El Gobierno andaluz",
        "Los pescadores",
        "La universidad",
    ],
    "pt": [
        "A prefeitura",
        "Os caminhoneiros",
        "O Banco Central",
        "A Câmara dos Deputados",
        "Os professores",
        "Uma enchente",
        "A Petrobras",
        "O governo paulista",
        "Os pescadores do Ceará",
        "A polícia federal",
    ],
    "de": [
        "Der Stadtrat",
        "Die Bundesregierung",
        "Lokführer",
        "Das Hochwasser",
        "Die Ärztekammer",
        "Bäuerinnen und Bauern",
        "Der Bürgermeister",
        "Die Polizei in Köln",
        "Die Verkehrsbetriebe",
        "Schüler",
    ],
    "ar": [
        "وزارة الصحة",
        "مجلس النواب",
        "البنك المركزي",
        "الدفاع المدني",
        "نقابة المعلمين",
        "محافظ البصرة",
        "الأمم المتحدة",
        "وزير الخارجية",
        "سكان القرية",
        "شركة الكهرباء",
    ],
    "ru": [
        "Городская дума",
        "Министерство финансов",
        "Жители Самары",
        "Железная дорога",
        "Врачи больницы",
        "Губернатор области",
        "Фермеры Кубани",
        "Синоптики",
        "Центральный банк",
        "Спасатели",
    ],
    "ja": [
        "東京都",
        "気象庁",
        "日本銀行",
        "政府",
        "大阪市",
        "警察",
        "首相",
        "鉄道会社",
        "市民団体",
        "文部科学省",
    ],
    "zh": [
        "国务院",
        "北京市",
        "中国人民银行",
        "气象部门",
        "上海市政府",
        "教育部",
        "铁路部门",
        "农业专家",
        "外交部",
        "地方政府",
    ],
    "th": [
        "กรุงเทพมหานคร",
        "กรมอุตุนิยมวิทยา",
        "รัฐบาล",
        "ธนาคารแห่งประเทศไทย",
        "ตำรวจ",
        "กระทรวงสาธารณสุข",
    ],
    "he": [
        "עיריית חיפה",
        "משרד הבריאות",
        "בנק ישראל",
        "הממשלה",
        "המשטרה",
        "ועד העובדים",
    ],
    "ko": ["서울시", "기상청", "한국은행", "정부", "교육부", "경찰"],
}

PREDICATES: dict[str, list[str]] = {
    "en": [
        "approves new budget after long debate",
        "warns of delays — again",
        "opens inquiry into spending",
        "calls for calm as river rises",
        "agrees 4% pay deal",
        "rejects “unworkable” proposal",
        "delays vote until spring",
        "publishes annual report",
        "cuts fares on night routes",
        "faces protest",
    ],
    "fr": [
        "adopte le budget après un long débat",
        "appelle au calme",
        "lance une enquête",
        "annonce une grève",
        "reporte le vote à l’automne",
        "publie son rapport annuel",
        "dénonce « un scandale »",
        "fait marche arrière",
    ],
    "es": [
        "aprueba el presupuesto",
        "pide calma ante la crecida",
        "abre una investigación",
        "anuncia una huelga",
        "retrasa la votación",
        "publica su informe anual",
        "rechaza la propuesta «inviable»",
        "baja las tarifas",
    ],
    "pt": [
        "aprova orçamento após longo debate",
        "pede calma à população",
        "abre investigação sobre gastos",
        "anuncia greve geral",
        "adia votação para março",
        "publica relatório anual",
        "reajusta preços",
    ],
    "de": [
        "beschließt den Haushalt",
        "warnt vor Verspätungen",
        "prüft die Ausgaben",
        "kündigt Streik an",
        "verschiebt die Abstimmung",
        "veröffentlicht Jahresbericht",
        "senkt die Preise für Fahrkarten",
    ],
    "ar": [
        "تعلن خطة جديدة",
        "يقر الميزانية",
        "يحذر من الفيضانات",
        "يفتح تحقيقا",
        "تؤجل التصويت",
        "ينشر تقريره السنوي",
    ],
    "ru": [
        "утвердила бюджет",
        "предупредили о задержках",
        "начали проверку",
        "объявили забастовку",
        "отложили голосование",
        "опубликовал годовой отчёт",
    ],
    "ja": ["が新たな予算案を発表", "が大雨に警戒を呼びかけ", "が調査を開始", "が年次報告書を公表", "が運賃を値下げ"],
    "zh": ["发布新的预算方案", "提醒市民注意暴雨", "开始调查", "公布年度报告", "宣布降低票价"],
    "th": ["ประกาศงบประมาณใหม่", "เตือนฝนตกหนัก", "เริ่มการสอบสวน", "เผยแพร่รายงานประจำปี"],
    "he": ["מאשרת את התקציב", "מזהירה מפני הצפות", "פותחת בחקירה", "מפרסמת דוח שנתי"],
    "ko": ["새 예산안 발표", "폭우 경보 발령", "조사 착수", "연례 보고서 공개"],
}

JOINER = {"ja": "", "zh": "", "ko": " "}


def headline(language: str, rng: random.Random) -> str:
    """A headline in ``language``: a subject and a predicate, joined the way the language writes them."""
    joiner = JOINER.get(language, " ")
    return f"{rng.choice(SUBJECTS[language])}{joiner}{rng.choice(PREDICATES[language])}"


def slug(text: str, number: int) -> str:
    """A URL path segment: ASCII words of ``text`` and the item's number (non-Latin titles give the number only)."""
    words = ["".join(ch for ch in word.lower() if ch.isascii() and ch.isalnum()) for word in text.split()]
    kept = "-".join(word for word in words if word)[:60].strip("-")
    return f"{kept}-{number}" if kept else f"story-{number}"
