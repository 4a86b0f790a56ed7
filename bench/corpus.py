"""Seeded synthetic KOC library for benchmarks (SPEC §3, §10).

    python bench/corpus.py --works 5000 --seed 7 --out /tmp/kocbench/5000

writes DIR/content/{taxonomy.yml, contributors.yml, honors.yml,
collections/*.yml, works/<year>/<id>.md}. The same seed and size always give
byte-identical files: one `random.Random(seed)` drives everything, nothing
reads the clock, and nothing iterates over a set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import vocab as V

# libyaml's emitter is ~10x faster than the pure-Python one; 5,000 works must
# be written in a few seconds.
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    # `koc check` refuses YAML anchors and aliases (issue 10): write a shared value out each time.
    def ignore_aliases(self, data):
        return True

FIRST_DAY, LAST_DAY = dt.date(2022, 1, 1), dt.date(2026, 10, 31)
TYPES = ["article", "video", "photo", "qa", "review", "story", "report"]
TYPE_WEIGHTS = [30, 20, 10, 12, 12, 10, 6]
USES = [("training", 0.8), ("dealer_meeting", 0.55), ("official_channels", 0.35),
        ("social_media", 0.45), ("print", 0.2)]
TIERS = ["explorer", "specialist", "collaborator", "leader"]
TAG_ALIAS = {label: aliases for label, aliases in V.TAG_ALIASES}
SCENARIO_TERMS = {slug: (label, aliases) for slug, label, aliases, _ in V.SCENARIOS}


def dump_yaml(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=None, width=4096)


class Slots(dict):
    """Template values, drawn on first use, so a sentence only pays for its own slots.

    >>> Slots(random.Random(1), {"model": "星途L7"}).fill("{model}跑了{km}公里")
    '星途L7跑了335公里'
    """

    DRAW = {
        "km": lambda r: r.randint(60, 1200), "km_month": lambda r: r.randint(600, 3500),
        "pct": lambda r: r.randint(55, 100), "pct2": lambda r: r.randint(8, 40),
        "pct_hi": lambda r: r.randint(50, 90), "pct_lo": lambda r: r.randint(10, 35),
        "range_km": lambda r: r.randrange(380, 725, 5), "range_fuel": lambda r: r.randrange(650, 1250, 10),
        "discount": lambda r: r.choice(["七", "七五", "八", "八五", "九"]),
        "speed": lambda r: r.choice([90, 100, 110, 120]), "kwh": lambda r: round(r.uniform(11.5, 21.0), 1),
        "fuel": lambda r: round(r.uniform(4.8, 9.6), 1), "temp_c": lambda r: r.randint(18, 26),
        "temp": lambda r: -r.randint(3, 32), "month": lambda r: r.randint(2, 12), "months": lambda r: r.randint(1, 30),
        "cents": lambda r: r.randint(5, 40), "bar": lambda r: round(r.uniform(0.2, 0.5), 1),
        "bar_low": lambda r: round(r.uniform(1.4, 2.0), 1), "minutes": lambda r: r.randint(8, 55),
        "days": lambda r: r.randint(5, 60), "price_kwh": lambda r: round(r.uniform(0.25, 0.6), 2),
        "odo": lambda r: r.randrange(3000, 98000, 500), "nth": lambda r: r.randint(1, 6),
        "hours": lambda r: r.randint(2, 12), "price": lambda r: r.randrange(280, 1600, 10),
        "price_small": lambda r: r.choice([20, 30, 35, 50, 80]), "n": lambda r: r.randint(3, 9),
        "n_ok": lambda r: r.randint(2, 3), "version": lambda r: f"{r.randint(2, 5)}.{r.randint(0, 9)}.{r.randint(0, 20)}",
        "speakers": lambda r: r.choice([12, 14, 16, 18, 20, 23]), "db": lambda r: r.randint(56, 68),
        "mm": lambda r: round(r.uniform(3.0, 7.5), 1), "dog_kg": lambda r: r.randint(6, 35),
        "years": lambda r: r.randint(1, 4), "year": lambda r: r.randint(2023, 2026),
        "city": lambda r: r.choice(V.CITIES), "place": lambda r: r.choice(V.PLACES), "who": lambda r: r.choice(V.WHO),
        "kid": lambda r: r.choice(V.KIDS).format(age=r.randint(2, 10)), "season": lambda r: r.choice(V.SEASONS),
        "persona": lambda r: r.choice(V.PERSONAS), "angle": lambda r: r.choice(V.ANGLES),
        "region": lambda r: r.choice(V.REGIONS), "hobby": lambda r: r.choice(V.HOBBIES),
        "spec": lambda r: r.choice(V.SPECIALTIES),
    }

    def __init__(self, rng: random.Random, fixed: dict):
        super().__init__(fixed)
        self.rng, self.fixed = rng, fixed

    def __missing__(self, key):
        value = self[key] = self.DRAW[key](self.rng)
        return value

    def fill(self, template: str) -> str:
        # Fresh draws per sentence, but the work's fixed values (model, topic) stay.
        return template.format_map(Slots(self.rng, self.fixed))


# --- Taxonomy and contributors ---------------------------------------------------

def taxonomy() -> dict:
    return {
        "scenarios": [{"slug": s, "label": l, "aliases": a, "description": d} for s, l, a, d in V.SCENARIOS],
        "models": [{"slug": s, "label": l, "aliases": a} for s, l, a in V.MODELS],
        "tags": [{"label": l, "aliases": a} for l, a in V.TAG_ALIASES],
        "departments": [{"slug": s, "label": l} for s, l in zip(DEPARTMENT_SLUGS, V.DEPARTMENTS)],
    }


@dataclass
class Person:
    id: str
    name: str
    tier: str
    weight: float
    works: list = field(default_factory=list)   # (date, id, status) of their works


def contributors(rng: random.Random, count: int) -> tuple[dict, list[Person]]:
    """`contributors.yml` data and the people, most prolific first.

    Productivity follows a long tail (a few leaders write much of the library),
    and the tier follows productivity, as in the programme's growth path.
    """
    data, people, used_names = {}, [], {}
    for rank in range(count):
        sur, sur_py = rng.choice(V.SURNAMES)
        given, given_py = rng.choice(V.GIVEN)
        cid = f"{sur_py}-{given_py}"
        if cid in data:
            cid = f"{cid}-{rank}"
        slots = Slots(rng, {"sur": sur, "given": given, "given1": given[-1],
                            "model": rng.choice(V.MODELS)[2][0]})
        name = slots.fill(rng.choice(V.NICK_FORMS))
        used_names[name] = used_names.get(name, 0) + 1
        if used_names[name] > 1:
            name = f"{name}{used_names[name]}"
        share = rank / max(count, 1)
        tier = ("leader" if share < 0.1 else "collaborator" if share < 0.25
                else "specialist" if share < 0.5 else "explorer")
        if rng.random() < 0.15:   # growth paths are not strictly by output
            tier = rng.choice(TIERS)
        entry = {
            "name": name, "tier": tier,
            "specialties": rng.sample(V.SPECIALTIES, rng.randint(1, 3)),
            "city": rng.choice(V.CITIES),
            "joined": FIRST_DAY - dt.timedelta(days=300) + dt.timedelta(days=rng.randrange(1400)),
            "bio": slots.fill(rng.choice(V.BIO_FORMS)),
        }
        if rng.random() < 0.35:
            entry["private"] = {
                "real_name": sur + rng.choice(V.GIVEN)[0],
                "phone": f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randrange(10**8):08d}",
                "wechat": f"{sur_py}{given_py}{rng.randint(10, 9999)}",
            }
        data[cid] = entry
        people.append(Person(cid, name, tier, 1 / (rank + 2) ** 0.8))
    return data, people


# --- Works ---------------------------------------------------------------------------

def pick_term(rng, label: str, aliases: list[str]) -> str:
    # Editors write labels and aliases alike; the generator must resolve both.
    return rng.choice(aliases) if aliases and rng.random() < 0.3 else label


def body(rng: random.Random, kind: str, slots: Slots, topics: list[dict]) -> str:
    """Markdown body of 400–1500 characters: intro, typed sections, topic sections, closing.

    `topics[0]` is what the work is about; the others lend a few sections.
    """
    target = rng.randint(400, 1500)
    # Sentences and list items are drawn without replacement, so a body never
    # repeats itself; generic ownership talk tops up a section's own topic.
    generic = {"sentences": V.GENERIC_SENTENCES, "items": V.GENERIC_ITEMS, "headings": V.GENERIC_HEADINGS}
    pools = {id(t): (rng.sample(t["sentences"], len(t["sentences"])), rng.sample(t["items"], len(t["items"])))
             for t in topics + [generic]}
    main = topics[0]
    sections = [(h, main) for h in rng.sample(main["headings"], len(main["headings"]))]
    for t in topics[1:]:
        sections += [(h, t) for h in rng.sample(t["headings"], 2)]
    sections += [(h, generic) for h in rng.sample(generic["headings"], 4)]

    def para(k: int, topic: dict = main) -> str:
        own, spare = pools[id(topic)][0], pools[id(generic)][0]
        return "".join(rng.choice(V.CONNECTORS) + slots.fill((own or spare).pop())
                       for _ in range(k) if own or spare)

    parts = [slots.fill(rng.choice(V.OPENINGS)) + para(rng.randint(1, 2))]
    if kind == "video":
        beats = sorted(rng.sample(V.VIDEO_BEATS, rng.randint(3, 5)), key=V.VIDEO_BEATS.index)
        stamps = sorted(rng.sample(range(10, 900), len(beats)))
        parts.append("## 视频要点\n\n" + "\n".join(f"- {s // 60:02d}:{s % 60:02d} {b}" for s, b in zip(stamps, beats)))
    elif kind == "photo":
        caps = rng.sample(V.PHOTO_CAPTIONS, rng.randint(3, 6))
        parts.append("## 图集说明\n\n" + "\n".join(f"{i}. {slots.fill(c)}" for i, c in enumerate(caps, 1)))
    elif kind == "qa":
        parts.append("## 问题\n\n" + slots.fill(rng.choice(V.QUESTIONS)) + "\n\n## 回答\n\n" + para(2))
    elif kind == "report":
        headings = sorted(rng.sample(V.REPORT_SECTIONS, 3), key=V.REPORT_SECTIONS.index)
        for heading, sentence in zip(headings, rng.sample(V.REPORT_SENTENCES, 3)):
            parts.append(f"## {heading}\n\n" + slots.fill(sentence) + para(1))

    closing = slots.fill(rng.choice(V.CLOSINGS))
    size = sum(len(p) + 2 for p in parts) + len(closing)
    for heading, topic in sections:
        if size >= target:
            break
        block = f"## {heading}\n\n" + para(rng.randint(2, 4), topic)
        if rng.random() < 0.3:
            block += "\n\n" + para(rng.randint(1, 2), topic)
        items = pools[id(topic)][1]
        if len(items) >= 3 and rng.random() < 0.5:
            block += "\n\n" + "\n".join("- " + slots.fill(items.pop()) for _ in range(min(len(items), rng.randint(3, 5))))
        # Stay under 1,500 characters, but never below 400.
        if size + len(block) + 2 > 1500 and size >= 400:
            break
        parts.append(block)
        size += len(block) + 2
    parts.append(closing)
    return "\n\n".join(parts)


def random_date(rng, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


class TitleBook:
    """Hands out unique titles: retries the template, then adds a distinguishing suffix."""

    def __init__(self):
        self.seen: set[str] = set()

    def take(self, rng, kind: str, slots: Slots) -> str:
        for _ in range(12):
            title = slots.fill(rng.choice(V.TITLE_FORMS[kind]))
            if title not in self.seen:
                break
        n = 2
        base = title
        while title in self.seen:
            title, n = f"{base}（{n}）", n + 1
        self.seen.add(title)
        return title


TRUST_CYCLE = ["standard", "framework", "open"]
DEPARTMENT_SLUGS = ["product", "rd", "after-sales", "sales-training", "user-ops", "quality"]


class TaskBook:
    """The tasks works cite, made as they are first cited, with no draw of their own
    (a task is fixed by its template, year and model), so every other figure stays as it was."""

    def __init__(self):
        self.tasks: dict[str, dict] = {}

    def take(self, template: str, slots: Slots, date: dt.date, model: tuple, scenario: str | None) -> str:
        index = V.TASKS.index(template)
        key = model[0] if "{model}" in template else str(date.year) if "{year}" in template else ""
        tid = "-".join(p for p in ("task", str(index + 1), key) if p)
        if tid not in self.tasks:
            title = slots.fill(template)
            year = date.year
            self.tasks[tid] = {
                "title": title,
                "goal": f"围绕“{title}”，创作一件真实、具体、可以直接用于培训或经销商会议的作品。",
                "scenarios": [SCENARIO_TERMS[scenario][0]] if scenario else [],
                "models": [model[1]] if "{model}" in template else [],
                "deliverable": {"type": TYPES[index % len(TYPES)], "length": "1–3 分钟或 1500 字以上"},
                "period": {"from": dt.date(year, 1, 1), "to": dt.date(year, 12, 31)},
                "trust": TRUST_CYCLE[index % len(TRUST_CYCLE)],
                "criteria": ["目标场景和车型清楚", "有可核对的真实数据或细节", "可以直接用于培训或经销商会议"],
                "owner": V.STAFF[index % len(V.STAFF)],
            }
        return tid


def work(rng: random.Random, seq: int, people: list[Person], cum_weights: list[float], titles: TitleBook,
         tasks: TaskBook | None = None):
    """(path under content/, file text) of work number `seq`; also noted on its authors."""
    kind = rng.choices(TYPES, TYPE_WEIGHTS)[0]
    topic_key = rng.choice(list(V.TOPICS))
    main = V.TOPICS[topic_key]
    extra = [V.TOPICS[k] for k in rng.sample([k for k in V.TOPICS if k != topic_key], 2)]
    date = random_date(rng, FIRST_DAY, LAST_DAY)
    models = rng.sample(V.MODELS, 1 if rng.random() < 0.85 else 2)
    slots = Slots(rng, {"model": models[0][1], "topic": main["tags"][0], "t": rng.choice(main["titles"]),
                        "year": date.year})
    title = titles.take(rng, kind, slots)
    wid = f"{date.year}-{models[0][0].split('-')[-1]}-{topic_key}-{seq:05d}"

    authors: list[Person] = []
    while len(authors) < rng.choices([1, 2, 3], [70, 22, 8])[0]:
        p = rng.choices(people, cum_weights=cum_weights)[0]
        if p not in authors:
            authors.append(p)
    roles = rng.sample(V.ROLES[kind], len(authors))
    credits = [p.id if len(authors) == 1 and rng.random() < 0.4 else {"id": p.id, "role": r}
               for p, r in zip(authors, roles)]

    tags, seen = [], []
    for label in rng.sample(main["tags"], rng.randint(1, len(main["tags"]))) + rng.sample(extra[0]["tags"], rng.randint(0, 1)):
        if label not in seen:
            seen.append(label)
            tags.append(rng.choice(TAG_ALIAS[label]) if label in TAG_ALIAS and rng.random() < 0.25 else label)
    scen_slugs = rng.sample(main["scenarios"], min(len(main["scenarios"]), rng.randint(1, 2)))

    fm = {"title": title, "type": kind, "date": date, "contributors": credits}
    if rng.random() < 0.5:
        fm["summary"] = "".join(slots.fill(s) for s in rng.sample(main["sentences"], 2))[:300]
    fm["tags"] = tags
    if rng.random() < 0.9:
        fm["scenarios"] = [pick_term(rng, *SCENARIO_TERMS[s]) for s in scen_slugs]
    fm["models"] = [pick_term(rng, label, aliases) for _, label, aliases in models]
    if rng.random() < 0.7:
        template = rng.choice(V.TASKS)
        fm["task"] = tasks.take(template, slots, date, models[0], scen_slugs[0] if scen_slugs else None) if tasks \
            else slots.fill(template)
    if kind == "video":
        fm["media"] = [{"type": "video", "src": f"https://media.example.com/koc/video/{wid}",
                        "caption": f"完整视频（{rng.randint(2, 15)}分钟）"}]
    elif rng.random() < 0.3:
        fm["media"] = [{"type": "link", "src": f"https://media.example.com/koc/album/{wid}",
                        "caption": slots.fill(rng.choice(V.PHOTO_CAPTIONS))}]
    uses = [] if rng.random() < 0.06 else [u for u, p in USES if rng.random() < p]
    # Mostly open-ended rights; the rest run one to five years, so some have
    # lapsed (stub pages) and a few lapse within 30 days of the benchmark's as-of date.
    expires = None if rng.random() < 0.6 else date + dt.timedelta(days=rng.randint(365, 1825))
    rights = {"uses": uses, "expires": expires}
    if rng.random() < 0.85:
        rights["credit_line"] = "作者：" + "、".join(p.name for p in authors) + "（星途车主共创计划）"
    fm["rights"] = rights
    if rng.random() < 0.6:
        ev = {"score": rng.choices([1, 2, 3, 4, 5], [3, 8, 30, 39, 20])[0],
              "highlights": slots.fill(rng.choice(V.HIGHLIGHTS))}
        if rng.random() < 0.7:
            ev["feedback"] = slots.fill(rng.choice(V.FEEDBACK))
        if rng.random() < 0.8:
            ev["reviewer"] = rng.choice(V.STAFF)
        fm["evaluation"] = ev
    if rng.random() < 0.2:
        fm["reuse"] = sorted(({"date": min(LAST_DAY, date + dt.timedelta(days=rng.randint(10, 600))),
                               "event": slots.fill(rng.choice(V.REUSE_EVENTS)),
                               "audience": rng.choice(V.REUSE_AUDIENCES), "by": rng.choice(V.STAFF)}
                              for _ in range(rng.randint(1, 4))), key=lambda r: r["date"])
    if rng.random() < 0.05:
        fm["featured"] = True
    roll = rng.random()
    status = "draft" if roll < 0.02 else "withdrawn" if roll < 0.03 else "published"
    if status != "published":
        fm["status"] = status
    if kind == "report":
        fm["departments"] = rng.sample(V.DEPARTMENTS, rng.randint(1, 3))

    text = "---\n" + dump_yaml(fm) + "---\n\n" + body(rng, kind, slots, [main] + extra) + "\n"
    for p in authors:
        p.works.append((date, wid, status))
    return f"works/{date.year}/{wid}.md", text


# --- Honors and collections -----------------------------------------------------

def honors(rng: random.Random, people: list[Person]) -> list[dict]:
    """One or two awards a year, to the year's most prolific contributors."""
    out = []
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        def published(p):
            return sorted(w for d, w, s in p.works if d.year == year and s == "published")
        ranked = sorted((p for p in people if published(p)), key=lambda p: (-len(published(p)), p.id))[:5]
        for award, person in zip(rng.sample(V.AWARDS, rng.randint(1, 2)), rng.sample(ranked, min(2, len(ranked)))):
            slots = Slots(rng, {"t": rng.choice(V.TOPICS[rng.choice(list(V.TOPICS))]["titles"])})
            out.append({"year": year, "award": f"{year} {award}", "contributor": person.id,
                        "citation": slots.fill(rng.choice(V.CITATIONS)), "works": published(person)[:3]})
    return out


COLLECTIONS = {
    "dealer-videos": {"title": "经销商会议精选视频", "audience": "dealer_meeting",
                      "description": "可在经销商会议上播放的车主视频，最新的在前。",
                      "query": "type:video AND use:dealer_meeting", "sort": "date", "limit": 24},
    "winter-training": {"title": "冬季用车培训案例", "audience": "training",
                        "description": "低温续航、除雾和冰雪路面：给新人销售顾问的高分案例。",
                        "query": "scenario:冬季用车 AND use:training AND score:[4 TO]", "sort": "score", "limit": 20},
    "family-camping": {"title": "亲子与露营故事", "audience": "dealer_meeting",
                       "description": "打动家庭用户的真实故事。",
                       "query": "(scenario:亲子游 OR scenario:露营) AND use:dealer_meeting", "sort": "score", "limit": 12},
}


# --- Writing -------------------------------------------------------------------------

def write_library(out: Path, works: int, seed: int = 7) -> Path:
    """Write a library of `works` works into `out/content` (replacing it); return that folder."""
    rng = random.Random(seed)
    content = Path(out) / "content"
    if content.exists():
        shutil.rmtree(content)
    (content / "collections").mkdir(parents=True)

    contrib_data, people = contributors(rng, max(4, works // 8))
    cum, total = [], 0.0
    for p in people:
        total += p.weight
        cum.append(total)
    titles = TitleBook()
    tasks = TaskBook()
    made_dirs = set()
    for seq in range(works):
        rel, text = work(rng, seq, people, cum, titles, tasks)
        path = content / rel
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        path.write_text(text, encoding="utf-8")

    # Nobody publishes before joining the programme.
    for p in people:
        if p.works:
            first = min(d for d, _, _ in p.works) - dt.timedelta(days=rng.randint(10, 200))
            contrib_data[p.id]["joined"] = min(contrib_data[p.id]["joined"], first)
    (content / "taxonomy.yml").write_text(dump_yaml(taxonomy()), encoding="utf-8")
    (content / "contributors.yml").write_text(dump_yaml(contrib_data), encoding="utf-8")
    (content / "honors.yml").write_text(dump_yaml(honors(rng, people)), encoding="utf-8")
    (content / "tasks.yml").write_text(dump_yaml(dict(sorted(tasks.tasks.items()))), encoding="utf-8")
    for slug, data in COLLECTIONS.items():
        (content / "collections" / f"{slug}.yml").write_text(
            yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return content


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--works", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True, help="DIR; the library is written to DIR/content")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    content = write_library(args.out, args.works, args.seed)
    print(f"{args.works} works written to {content} in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
