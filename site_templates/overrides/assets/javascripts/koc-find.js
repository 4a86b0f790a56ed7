// The browser half of the library's one search analysis (generator/search/analysis.py and
// rank.py): cut the query into groups with the library's vocabulary (koc-search/vocab.json.bin),
// ask Pagefind one exact search per group (a token, or a phrase of bigrams) and per token,
// keep the works every group matches, rank them by the same weights as `koc search`.
// Pagefind's index holds the works' pre-analysed token streams, so both sides see the same words.
// A query's Chinese runs are cut into words as `koc search` cuts them (koc-words.js, segmenter.py).
import { loadWords, wordsOf } from "./koc-words.js";

const CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff";
const KEEP = new RegExp(`[${CJK}a-z0-9]`);
const PIECES = new RegExp(`[${CJK}]+|[a-z0-9]+`, "g");
const LATIN = /[a-z0-9]/;
const GAP = new RegExp(`[${CJK}a-z0-9][^${CJK}a-z0-9]+[${CJK}a-z0-9]`);
const KINDS = { model: "车型", scenario: "场景", tag: "标签", contributor: "贡献者" };
const K1 = 1.2;

export const normalise = (text) => String(text ?? "").normalize("NFKC").toLowerCase();
export const formKey = (text) => [...normalise(text)].filter((c) => KEEP.test(c)).join("");

let loaded = null;

// koc-search/vocab.json.bin is gzip'd JSON (bundle.search_data); a server or proxy that
// unpacked it on the way is fine too.
async function readVocab(response) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return JSON.parse(new TextDecoder().decode(bytes));
  const unpacked = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(unpacked).text());
}

// Pagefind and the vocabulary, once per page.
export function load(base) {
  if (!loaded) {
    loaded = (async () => {
      const [first, vocab] = await Promise.all([
        shard(base, 0),
        fetch(new URL("koc-search/vocab.json.bin", base)).then(readVocab),
      ]);
      const rest = await Promise.all(Array.from({ length: (vocab.shards || 1) - 1 }, (_, k) => shard(base, k + 1)));
      const pagefind = shards([first, ...rest], base);
      // Forms of each entry as SearchVocabulary makes them: form → ["kind:key"], and the spaced ones.
      vocab.forms = {}; vocab.formsOf = {}; vocab.labels = {}; vocab.spaced = new Set();
      const kinds = { m: "model", s: "scenario", t: "tag", c: "contributor" };
      vocab.place = {};  // "kind:key" → the place of its first entry (bundle.word_encoder)
      vocab.entries.forEach(([k, key, label, ...aliases], n) => {
        const id = `${kinds[k]}:${key}`;
        if (!(id in vocab.place)) vocab.place[id] = n;
        vocab.labels[id] = label;
        for (const name of [label, ...aliases]) {
          const f = formKey(name);
          if ([...f].length < 2) continue;
          if (GAP.test(normalise(name).trim())) vocab.spaced.add(f);
          (vocab.forms[f] ||= []);
          if (!vocab.forms[f].includes(id)) vocab.forms[f].push(id);
          (vocab.formsOf[id] ||= []);
          if (!vocab.formsOf[id].includes(f)) vocab.formsOf[id].push(f);
        }
      });
      vocab.heads = new Set(Object.keys(vocab.forms).map((f) => [...f].slice(0, 2).join("")));
      vocab.longest = Math.max(0, ...Object.keys(vocab.forms).map((f) => [...f].length));
      return { pagefind, vocab };
    })();
  }
  return loaded;
}

// A large library's Pagefind index comes in shards of works in id order (bundle.shards_of):
// `pagefind/` and `pagefind/1/`, `pagefind/2/`, … Each is its own copy of Pagefind's module:
// the instances of one module (createInstance) share one WebAssembly memory, and searching
// two at once corrupts it (Pagefind 1.5.2: "memory access out of bounds").
async function shard(base, k) {
  const pf = await import(new URL(k ? `pagefind/${k}/pagefind.js` : "pagefind/pagefind.js", base).href);
  await pf.options({ baseUrl: base.pathname });
  await pf.init();
  return pf;
}

// Pagefind's own merge of indexes (mergeIndex) ranks by its score and loses a requested sort,
// and its page ids may repeat across shards; here each id says its shard ("k/id"), counts add
// up, and results keep each shard's order, shard after shard (what placeOf needs for "n").
function shards(list, base) {
  const addCounts = (all) => {
    const out = {};
    for (const filters of all) for (const [f, values] of Object.entries(filters || {})) {
      out[f] ||= {};
      for (const [v, n] of Object.entries(values)) out[f][v] = (out[f][v] || 0) + n;
    }
    return out;
  };
  let order = null;
  return {
    count: list.length,
    async search(term, options) {
      const found = await Promise.all(list.map((pf) => pf.search(term, options)));
      return {
        results: found.flatMap((s, k) => s.results.map((r) => ({ ...r, id: `${k}/${r.id}` }))),
        unfilteredResultCount: found.reduce((sum, s) => sum + s.unfilteredResultCount, 0),
        filters: addCounts(found.map((s) => s.filters)),
      };
    },
    // Result id → place in the generator's order lists (bundle.order_lists), for several shards.
    order() {
      order ||= fetch(new URL("pagefind/koc-order.json", base)).then((r) => r.json());
      return order;
    },
  };
}

function kept(text) {
  const chars = [], seps = [];
  let gap = false;
  for (const ch of normalise(text)) {
    if (KEEP.test(ch)) { chars.push(ch); seps.push(gap); gap = false; } else gap = true;
  }
  return { chars, seps };
}

// No gap inside s[i:j] but where Latin meets Chinese ("OTA 升级" is OTA升级; "冬季 续航" is two words).
function unbroken(s, seps, i, j) {
  for (let k = i + 1; k < j; k++) if (seps[k] && LATIN.test(s[k - 1]) === LATIN.test(s[k])) return false;
  return true;
}

function fits(s, seps, i, j) {
  if (LATIN.test(s[i]) && i > 0 && LATIN.test(s[i - 1]) && !seps[i]) return false;
  if (LATIN.test(s[j - 1]) && j < s.length && LATIN.test(s[j]) && !seps[j]) return false;
  return true;
}

// [start, form] of the longest vocabulary form at each place, left to right (analysis.scan_forms).
function scanForms(s, seps, vocab) {
  const out = [];
  let i = 0;
  while (i < s.length - 1) {
    let hit = false;
    if (vocab.heads.has(s[i] + s[i + 1])) {
      for (let j = Math.min(s.length, i + vocab.longest); j > i + 1; j--) {
        const f = s.slice(i, j).join("");
        if (vocab.forms[f] && fits(s, seps, i, j) && (vocab.spaced.has(f) || unbroken(s, seps, i, j))) { out.push([i, f]); i = j; hit = true; break; }
      }
    }
    if (!hit) i += 1;
  }
  return out;
}

// Groups of a query: a vocabulary form, a Latin run, a single character, or a phrase of
// bigrams (analysis.Analyzer.query_groups, rule for rule).
const STOP_CHARS = new Set([..."的了和与及在是也就都着之"]);

export function queryGroups(vocab, text, words = (run) => [run]) {
  const { chars: s, seps } = kept(text);
  const found = new Map(scanForms(s, seps, vocab));
  const segments = [];  // [kind, text, gapBefore]
  let i = 0;
  while (i < s.length) {
    if (found.has(i)) { const f = found.get(i); segments.push(["form", f, seps[i]]); i += [...f].length; continue; }
    const last = segments.at(-1);
    if (last && last[0] === "piece" && !seps[i]) last[1] += s[i];
    else segments.push(["piece", s[i], seps[i]]);
    i += 1;
  }
  segments.forEach((seg, k) => {
    if (seg[0] !== "piece") return;
    const runs = [...seg[1].matchAll(PIECES)].map((m) => m[0]);
    const head = runs[0] ?? "", tail = runs.at(-1) ?? "";
    const nxt = segments[k + 1], prev = segments[k - 1];
    if ([...tail].length === 1 && !LATIN.test(tail) && nxt && nxt[0] === "form" && !nxt[2] && !LATIN.test(nxt[1][0])) {
      // a particle, or one character between two forms (老人坐第三排), is dropped
      if (STOP_CHARS.has(tail) || (seg[1] === tail && prev && prev[0] === "form" && !seg[2])) seg[1] = [...seg[1]].slice(0, -1).join("");
      else { nxt[0] = "piece"; nxt[1] = seg[1] + nxt[1]; nxt[2] = seg[2]; seg[1] = ""; }
    } else if ([...head].length === 1 && !LATIN.test(head) && prev && prev[0] === "form" && !seg[2] && !LATIN.test([...prev[1]].at(-1))) {
      if (STOP_CHARS.has(head)) seg[1] = [...seg[1]].slice(1).join("");
      else { prev[0] = "piece"; prev[1] = prev[1] + seg[1]; seg[1] = ""; }
    }
  });
  const groups = [];
  for (const [kind, word] of segments) {
    if (kind === "form") { groups.push([word]); continue; }
    for (const m of word.matchAll(PIECES)) {
      const run = [...m[0]];
      if (LATIN.test(run[0]) || run.length === 1) groups.push([run.join("")]);
      else for (const w of words(run.join(""))) { const cs = [...w]; groups.push(cs.slice(0, -1).map((c, k) => c + cs[k + 1])); }
    }
  }
  const seen = new Set();
  return groups.filter((g) => { const k = g.join(" "); if (seen.has(k)) return false; seen.add(k); return true; });
}

// A group and, for a vocabulary form, every other form of the entries it names
// (SearchVocabulary.alternatives): OTA升级 is also found as OTA and 远程升级.
export function alternatives(vocab, g) {
  const out = [g];
  if (g.length === 1 && vocab.forms[g[0]]) {
    for (const key of vocab.forms[g[0]]) for (const f of vocab.formsOf[key] || []) if (!out.some((a) => a.length === 1 && a[0] === f)) out.push([f]);
  }
  return out;
}

function oneEdit(a, b) {
  a = [...a]; b = [...b];
  if (a.join("") === b.join("")) return false;
  if (a.length === b.length) {
    const diff = a.map((c, k) => k).filter((k) => a[k] !== b[k]);
    if (diff.length === 1) return true;
    return diff.length === 2 && diff[1] === diff[0] + 1 && a[diff[0]] === b[diff[1]] && a[diff[1]] === b[diff[0]];
  }
  if (a.length > b.length) [a, b] = [b, a];
  if (b.length - a.length !== 1) return false;
  let k = 0;
  while (k < a.length && a[k] === b[k]) k++;
  return a.slice(k).join("") === b.slice(k + 1).join("");
}

// The vocabulary form one edit away from the whole query (analysis.Analyzer.correct).
export function correct(vocab, text) {
  const s = kept(text).chars.join("");
  if ([...s].length < 3 || vocab.forms[s]) return null;
  const len = (f) => [...f].length;
  const sorted = (vocab.sortedForms ||= Object.keys(vocab.forms).sort((x, y) => len(x) - len(y) || (x < y ? -1 : x > y ? 1 : 0)));
  // a two-character form only for one character too many (露营营 → 露营)
  return sorted.find((f) => (len(f) >= 3 || len(s) > len(f)) && Math.abs(len(f) - len(s)) <= 1 && oneEdit(s, f)) ?? null;
}

export const groupText = (g) => g[0] + g.slice(1).map((t) => [...t].at(-1)).join("");

function proximity(starts) {
  if (starts.length < 2 || starts.some((s) => !s.length)) return 0;
  const events = starts.flatMap((ps, g) => ps.map((p) => [p, g])).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const count = new Map();
  let have = 0, best = null, left = 0;
  for (const [p, g] of events) {
    count.set(g, (count.get(g) || 0) + 1);
    if (count.get(g) === 1) have++;
    while (have === starts.length) {
      const [lp, lg] = events[left];
      best = best === null ? p - lp : Math.min(best, p - lp);
      count.set(lg, count.get(lg) - 1);
      if (count.get(lg) === 0) have--;
      left++;
    }
  }
  return best === null ? 0 : 8 / (8 + best);
}

const weight = (n, df, tf) => Math.log(1 + (n - df + 0.5) / (df + 0.5)) * tf * (K1 + 1) / (tf + K1);
const round6 = (x) => Math.round(x * 1e6) / 1e6;

// A token as Pagefind's index holds it (bundle.word_encoder): "x" + hex of its UTF-8 + "z",
// and for a vocabulary form "y" + the place of its first entry (4 base-36 digits) + hex + "z",
// so that the forms of one entry sort side by side. No other word starts with it, so
// Pagefind's prefix search finds exactly that token, with every position, and never falls
// back to a shorter word.
const UTF8 = new TextEncoder();
const hex = (t) => [...UTF8.encode(t)].map((b) => b.toString(16).padStart(2, "0")).join("");
const word = (vocab, t) => {
  const ids = vocab.forms[t];
  return ids ? "y" + vocab.place[ids[0]].toString(36).padStart(4, "0") + hex(t) + "z" : "x" + hex(t) + "z";
};
const EVERY = "xz";  // bundle.EVERY: the one word every record holds

async function rankGroups(pagefind, vocab, groups, filters, sort) {
  const alts = groups.map((g) => alternatives(vocab, g));
  const tokens = [...new Set(alts.flat(2))];
  const found = await Promise.all(tokens.map((t) => pagefind.search(word(vocab, t), { filters })));
  const hits = new Map(tokens.map((t, k) => [t, { df: found[k].unfilteredResultCount, at: new Map(found[k].results.map((r) => [r.id, r])) }]));
  // Candidates: every work holding one of the tokens.
  const seen = new Map();
  for (const t of tokens) for (const [id, r] of hits.get(t).at) if (!seen.has(id)) seen.set(id, r);
  const out = [];
  for (const [id, r] of seen) {
    let total = 0;
    const starts = [];
    let ok = true;
    for (const group of alts) {
      let matched = 0;
      const groupStarts = new Set();
      for (const alt of group) {
        const uniq = [...new Set(alt)];
        if (!uniq.every((t) => hits.get(t).at.has(id))) continue;
        const first = hits.get(alt[0]).at.get(id).words;
        let s = first;
        if (alt.length > 1) {
          const rest = alt.slice(1).map((t) => new Set(hits.get(t).at.get(id).words));
          const p = [...first].sort((a, b) => a - b).find((q) => rest.every((set, k) => set.has(q + k + 1)));
          if (p === undefined) continue;
          s = [p];
        }
        matched++;
        s.forEach((p) => groupStarts.add(p));
        total += uniq.reduce((sum, t) => sum + weight(vocab.n, hits.get(t).df, hits.get(t).at.get(id).words.length), 0) / uniq.length;
      }
      if (!matched) { ok = false; break; }
      starts.push([...groupStarts].sort((a, b) => a - b));
    }
    if (!ok) continue;
    total += proximity(starts);
    out.push({ id, score: round6(total), data: r.data });
  }
  out.sort((a, b) => b.score - a.score);
  // Ties are broken by work id, as koc search does, read from the sort key n (the work's place
  // in id order) in one more search; only when there is a tie, as it costs an index chunk.
  if (out.some((r, k) => k && r.score === out[k - 1].score)) {
    const byId = await placeOf(pagefind, { n: "asc" });
    out.sort((a, b) => b.score - a.score || byId.get(a.id) - byId.get(b.id));
  }
  if (sort && out.length) {
    const place = await placeOf(pagefind, sort);
    out.sort((a, b) => place.get(a.id) - place.get(b.id));
  }
  return out;
}

// Page id → its place in the given sort, over every work: a search for the one word every record
// holds (EVERY), which downloads that word's index entry only.
const places = new Map();
function placeOf(pagefind, sort) {
  const key = JSON.stringify(sort);
  if (!places.has(key)) {
    const [[field, dir]] = Object.entries(sort);
    // One shard sorts itself; across shards, id order is shard after shard, and the finder's
    // sorts (best first) come from the order lists.
    const byOrder = pagefind.count > 1 && field !== "n" && dir === "desc";
    places.set(key, byOrder
      ? pagefind.order().then((lists) => new Map(lists[field].map((id, k) => [id, k])))
      : pagefind.search(EVERY, { sort }).then((all) => new Map(all.results.map((r, k) => [r.id, k]))));
  }
  return places.get(key);
}

// Works matching every group of `text` (or of its one-edit vocabulary form), best first.
// Each result: {id, score, data()}; data() resolves to Pagefind's record data.
export async function findWorks(base, text, { filters = {}, sort = null } = {}) {
  const { pagefind, vocab } = await load(base);
  await loadWords(base, normalise(text));  // the segmenter's shards for the query's characters
  let groups = queryGroups(vocab, text, wordsOf);
  if (!groups.length) return { groups, results: [] };
  let results = await rankGroups(pagefind, vocab, groups, filters, sort);
  if (!results.length) {
    const fixed = correct(vocab, text);
    if (fixed) {
      await loadWords(base, fixed);
      groups = queryGroups(vocab, fixed, wordsOf);
      results = await rankGroups(pagefind, vocab, groups, filters, sort);
    }
  }
  return { groups, results, vocab, pagefind };
}

// Facet counts of a word search (Pagefind's own AND search of the same tokens).
export async function counts(base, groups, filters) {
  const { pagefind, vocab } = await load(base);
  const search = await pagefind.search([...new Set(groups.flat())].map((t) => word(vocab, t)).join(" "), { filters });
  return search.filters;
}

// ---------------------------------------------------------------- excerpts and reasons

function keptMap(text) {
  const chars = [], seps = [], where = [];
  let gap = false, i = 0;
  for (const ch of text) {
    for (const n of normalise(ch)) {
      if (KEEP.test(n)) { chars.push(n); seps.push(gap); where.push(i); gap = false; } else gap = true;
    }
    i += ch.length;
  }
  return { chars, seps, where };
}

function markSpans(text, groups) {
  const { chars, seps, where } = keptMap(text);
  const spans = [];
  for (const g of groups) {
    const word = [...groupText(g)];
    const vocabLike = g.length === 1 && word.length > 2;
    for (let start = 0; start + word.length <= chars.length; start++) {
      let k = 0;
      while (k < word.length && chars[start + k] === word[k]) k++;
      if (k < word.length) continue;
      const end = start + word.length;
      let inside = true;
      if (!vocabLike) for (let m = start + 1; m < end; m++) if (seps[m]) inside = false;
      const edges = !(LATIN.test(word[0]) && start > 0 && LATIN.test(chars[start - 1]) && !seps[start]) &&
        !(LATIN.test(word.at(-1)) && end < chars.length && LATIN.test(chars[end]) && !seps[end]);
      const last = where[end - 1];
      if (inside && edges) spans.push([where[start], last + (text.codePointAt(last) > 0xffff ? 2 : 1)]);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [s, e] of spans) {
    if (merged.length && s <= merged.at(-1)[1]) merged.at(-1)[1] = Math.max(merged.at(-1)[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// What an excerpt marks: every group and the other forms of its vocabulary entries.
export const marked = (vocab, groups) => groups.flatMap((g) => alternatives(vocab, g));

// HTML excerpt around the first match, each match in <mark>; "" when the text holds none.
export function excerpt(text, groups, width = 80) {
  text = String(text ?? "");
  const spans = markSpans(text, groups);
  if (!spans.length) return "";
  const begin = Math.max(0, spans[0][0] - Math.floor(width / 4));
  const end = Math.min(text.length, begin + width);
  let out = "", i = begin;
  for (let [s, e] of spans) {
    if (e <= begin || s >= end) continue;
    s = Math.max(s, begin); e = Math.min(e, end);
    out += esc(text.slice(i, s)) + `<mark>${esc(text.slice(s, e))}</mark>`;
    i = e;
  }
  out += esc(text.slice(i, end));
  return (begin ? "…" : "") + out + (end < text.length ? "…" : "");
}

// "车型：星途L7" for each group the text does not hold but one of the work's facets does.
export function why(vocab, groups, text, filters) {
  const have = kept(text).chars.join("");
  const reasons = [];
  const entries = [];
  for (const kind of ["model", "scenario", "tag", "contributor"]) for (const key of filters?.[kind] || []) entries.push(`${kind}:${key}`);
  for (const g of groups) {
    const word = groupText(g);
    if (alternatives(vocab, g).some((a) => have.includes(groupText(a)))) continue;
    for (const e of entries) {
      if ((vocab.formsOf[e] || []).some((f) => f.includes(word))) {
        const reason = `${KINDS[e.split(":")[0]]}：${vocab.labels[e]}`;
        if (!reasons.includes(reason)) reasons.push(reason);
        break;
      }
    }
  }
  return reasons;
}
