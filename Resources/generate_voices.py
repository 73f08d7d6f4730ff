#!/usr/bin/env python3
"""Generates Fixtures/voices.json: a deterministic, realistic voice catalogue for the simulator.

Run from this folder: python3 generate_voices.py  (the output is committed; the simulator's
--voices N option extends the catalogue synthetically at run time for benchmarks).
"""
import hashlib
import json
import random

LANGUAGES = {
    # language: (locale list, female names, male names)
    "English": (["en-US", "en-GB", "en-AU", "en-IN", "en-IE"],
                ["Sara", "Emily", "Olivia", "Grace", "Chloe", "Hannah", "Zoë", "Renée"],
                ["James", "Oliver", "Noah", "Liam", "Ethan", "Jack", "Rory", "Seán"]),
    "Spanish": (["es-ES", "es-MX", "es-AR", "es-CO"],
                ["Lucía", "Sofía", "María José", "Valentina", "Inés", "Ximena"],
                ["Mateo", "Santiago", "Andrés", "José Ángel", "Íñigo", "Martín"]),
    "French": (["fr-FR", "fr-CA", "fr-BE"],
               ["Amélie", "Chloé", "Léa", "Élodie", "Maëlle", "Hélène"],
               ["Étienne", "François", "Théo", "Loïc", "Jérôme", "Noël"]),
    "German": (["de-DE", "de-AT", "de-CH"],
               ["Jürgen", "Anneliese", "Käthe", "Lena", "Mia", "Sophie"],
               ["Lukas", "Jörg", "Maximilian", "Björn", "Günther", "Felix"]),
    "Portuguese": (["pt-BR", "pt-PT"],
                   ["Ana", "Beatriz", "Conceição", "Luísa", "Mariana", "Joana"],
                   ["João", "Gonçalo", "Tomás", "Sebastião", "Rafael", "Caio"]),
    "Italian": (["it-IT"], ["Giulia", "Chiara", "Francesca", "Niccolò"], ["Luca", "Matteo", "Niccolò", "Andrea"]),
    "Japanese": (["ja-JP"], ["さくら", "ゆい", "Haruka", "美咲"], ["ハルト", "Ren", "大翔", "Sora"]),
    "Chinese": (["zh-CN", "zh-TW", "zh-HK"], ["晓晓", "Xiaoyi", "云希", "美玲"], ["云扬", "Yunjian", "志明", "浩然"]),
    "Korean": (["ko-KR"], ["지민", "Seo-yeon", "하은"], ["민준", "Ji-ho", "서준"]),
    "Arabic": (["ar-SA", "ar-EG", "ar-AE"], ["فاطمة", "Layla", "سلمى"], ["محمد", "Omar", "خالد"]),
    "Hindi": (["hi-IN"], ["स्वरा", "Ananya", "प्रिया"], ["आरव", "Madhur", "राहुल"]),
    "Russian": (["ru-RU"], ["Светлана", "Dariya", "Анна"], ["Дмитрий", "Pavel", "Иван"]),
    "Greek": (["el-GR"], ["Αθηνά", "Eleni"], ["Νέστορας", "Giorgos"]),
    "Hebrew": (["he-IL"], ["הילה", "Noa"], ["אבי", "Yossi"]),
    "Thai": (["th-TH"], ["เปรมวดี", "Achara"], ["นิวัฒน์", "Somchai"]),
    "Vietnamese": (["vi-VN"], ["Hoài My", "Ngọc"], ["Nam Minh", "Đức"]),
    "Turkish": (["tr-TR"], ["Emel", "Şule", "Özge"], ["Ahmet", "Çağrı", "Güneş"]),
    "Polish": (["pl-PL"], ["Zofia", "Agnieszka", "Małgorzata"], ["Marek", "Łukasz", "Wojciech"]),
    "Dutch": (["nl-NL", "nl-BE"], ["Fenna", "Colette", "Lotte"], ["Maarten", "Arnaud", "Daan"]),
    "Swedish": (["sv-SE"], ["Sofie", "Hillevi", "Åsa"], ["Mattias", "Björn", "Örjan"]),
    "Danish": (["da-DK"], ["Christel", "Søs"], ["Jeppe", "Søren"]),
    "Norwegian": (["nb-NO"], ["Pernille", "Iselin"], ["Finn", "Håkon"]),
    "Finnish": (["fi-FI"], ["Noora", "Selma", "Aino"], ["Harri", "Väinö"]),
    "Czech": (["cs-CZ"], ["Vlasta", "Žofie"], ["Antonín", "Jiří"]),
    "Hungarian": (["hu-HU"], ["Noémi", "Réka"], ["Tamás", "Ödön"]),
    "Romanian": (["ro-RO"], ["Alina", "Ioana"], ["Emil", "Ștefan"]),
    "Ukrainian": (["uk-UA"], ["Поліна", "Oksana"], ["Остап", "Taras"]),
    "Indonesian": (["id-ID"], ["Gadis", "Putri"], ["Ardi", "Budi"]),
    "Malay": (["ms-MY"], ["Yasmin", "Siti"], ["Osman", "Hafiz"]),
    "Filipino": (["fil-PH"], ["Blessica", "Maria"], ["Angelo", "Jose"]),
    "Tamil": (["ta-IN"], ["பல்லவி", "Pallavi"], ["வள்ளுவர்", "Valluvar"]),
    "Bengali": (["bn-IN", "bn-BD"], ["তানিশা", "Nabanita"], ["বাশকর", "Pradeep"]),
    "Urdu": (["ur-PK"], ["عظمیٰ", "Uzma"], ["اسد", "Asad"]),
    "Persian": (["fa-IR"], ["دلارا", "Dilara"], ["فرید", "Farid"]),
    "Swahili": (["sw-KE", "sw-TZ"], ["Zuri", "Rehema"], ["Rafiki", "Daudi"]),
    "Afrikaans": (["af-ZA"], ["Adri", "Elsabé"], ["Willem", "Piet"]),
    "Catalan": (["ca-ES"], ["Joana", "Alba"], ["Enric", "Jordi"]),
    "Welsh": (["cy-GB"], ["Nia", "Siân"], ["Aled", "Dafydd"]),
    "Icelandic": (["is-IS"], ["Guðrún", "Þóra"], ["Gunnar", "Þórður"]),
    "Georgian": (["ka-GE"], ["ეკა", "Eka"], ["გიორგი", "Giorgi"]),
    "Armenian": (["hy-AM"], ["Անահիտ", "Anahit"], ["Հայկ", "Hayk"]),
    "Amharic": (["am-ET"], ["መቅደስ", "Mekdes"], ["አምሀ", "Ameha"]),
    "Khmer": (["km-KH"], ["ស្រីមុំ", "Sreymom"], ["ពិសិដ្ឋ", "Piseth"]),
}
STYLES = ["Warm", "Calm", "Bright", "Narrator", "Friendly", "Professional", "Lively", "Soft",
          "Newscast", "Conversational", "Storyteller", "Cheerful", "Serious", "Gentle", "Energetic"]


def voice_id(seed: str) -> str:
    return hashlib.md5(seed.encode()).hexdigest()


def main() -> None:
    rng = random.Random(20261125)
    voices = []
    serial = 0
    while len(voices) < 1842:
        for language, (locales, females, males) in LANGUAGES.items():
            for gender, names in (("female", females), ("male", males)):
                name = names[serial % len(names)]
                # Each name walks through the styles, so no two voices share a display name.
                style = STYLES[(serial // len(names)) % len(STYLES)]
                private = rng.random() < 0.04
                display = f"{name} - {style}" if not private else f"{name} (my clone, {style.lower()})"
                vid = voice_id(f"{language}/{gender}/{serial}/{len(voices)}")
                voices.append({
                    "voice_id": vid,
                    "name": display,
                    "language": language,
                    "gender": gender,
                    "preview_audio_url": (None if rng.random() < 0.05 else
                                          f"https://files.heygen.ai/voice/preview/{vid}.mp3"),
                    "support_pause": rng.random() < 0.8,
                    "support_locale": len(locales) > 1 and rng.random() < 0.7,
                    "type": "private" if private else "public",
                })
        serial += 1
    voices = voices[:1842]
    # Sara keeps the documented id so the contract's example voice exists in the catalogue.
    voices[0].update({"voice_id": "1bd001e7e50f421d891986aad5c8bbd2", "name": "Sara",
                      "language": "English", "gender": "female", "type": "public",
                      "preview_audio_url": "https://files.heygen.ai/voice/preview/sara.mp3",
                      "support_pause": True, "support_locale": True})
    with open("Fixtures/voices.json", "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(v, ensure_ascii=False) for v in voices) + "\n]\n")
    print(f"{len(voices)} voices, {len(LANGUAGES)} languages")


if __name__ == "__main__":
    main()
