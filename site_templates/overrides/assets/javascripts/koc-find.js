// The browser half of the library's one search analysis (generator/search/analysis.py and
// rank.py): cut the query into groups with the library's vocabulary (search/vocab.json),
// ask Pagefind one exact search per group (a token, or a phrase of bigrams) and per token,
// keep the works every group matches, rank them by the same weights as `koc search`.
// Pagefind's index holds the works' pre-analysed token streams, so both sides see the same words.
const CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff";
const KEEP = new RegExp(`[${CJK}a-z0-9]`);
const PIECES = new RegExp(`[${CJK}]+|[a-z0-9]+`, "g");
const LATIN = /[a-z0-9]/;
const KINDS = { model: "车型", scenario: "场景", tag: "标签", contributor: "贡献者" };
const K1 = 1.2;

export const normalise = (text) => String(text ?? "").normalize("NFKC").toLowerCase();
export const formKey = (text) => [...normalise(text)].filter((c) => KEEP.test(c)).join("");

let loaded = null;

// Pagefind and the vocabulary, once per page.
export function load(base) {
  if (!loaded) {
    loaded = (async () => {
      const [pagefind, vocab] = await Promise.all([
        import(new URL("pagefind/pagefind.js", base).href).then(async (pf) => { await pf.options({ baseUrl: base.pathname }); await pf.init(); return pf; }),
        fetch(new URL("search/vocab.json", base)).then((r) => r.json()),
      ]);
      vocab.heads = new Set(Object.keys(vocab.forms).map((f) => f.slice(0, 2)));
      vocab.longest = Math.max(0, ...Object.keys(vocab.forms).map((f) => [...f].length));
      vocab.formsOf = {};
      for (const [f, keys] of Object.entries(vocab.forms)) for (const k of keys) (vocab.formsOf[k] ||= []).push(f);
      return { pagefind, vocab };
    })();
  }
  return loaded;
}

function kept(text) {
  const chars = [], seps = [];
  let gap = false;
  for (const ch of normalise(text)) {
    if (KEEP.test(ch)) { chars.push(ch); seps.push(gap); gap = false; } else gap = true;
  }
  return { chars, seps };
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
        if (vocab.forms[f] && fits(s, seps, i, j)) { out.push([i, f]); i = j; hit = true; break; }
      }
    }
    if (!hit) i += 1;
  }
  return out;
}

// Groups of a query: a vocabulary form, a Latin run, a single character, or a phrase of bigrams.
export function queryGroups(vocab, text) {
  const { chars: s, seps } = kept(text);
  const found = new Map(scanForms(s, seps, vocab));
  const groups = [];
  let piece = "";
  const flush = () => {
    for (const m of piece.matchAll(PIECES)) {
      const run = [...m[0]];
      if (LATIN.test(run[0]) || run.length === 1) groups.push([run.join("")]);
      else groups.push(run.slice(0, -1).map((c, k) => c + run[k + 1]));
    }
    piece = "";
  };
  let i = 0;
  while (i < s.length) {
    if (found.has(i)) { flush(); const f = found.get(i); groups.push([f]); i += [...f].length; continue; }
    if (seps[i]) flush();
    piece += s[i];
    i += 1;
  }
  flush();
  const seen = new Set();
  return groups.filter((g) => { const k = g.join(" "); if (seen.has(k)) return false; seen.add(k); return true; });
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
  return sorted.find((f) => len(f) >= 3 && Math.abs(len(f) - len(s)) <= 1 && oneEdit(s, f)) ?? null;
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

// A token as Pagefind's index holds it (bundle.pagefind_word): "x" + hex of its UTF-8 + "z".
// No other word starts with it, so Pagefind's prefix search finds exactly that token,
// with every position, and never falls back to a shorter word.
const UTF8 = new TextEncoder();
const word = (t) => "x" + [...UTF8.encode(t)].map((b) => b.toString(16).padStart(2, "0")).join("") + "z";

async function rankGroups(pagefind, vocab, groups, filters, sort) {
  const tokens = [...new Set(groups.flat())];
  const found = await Promise.all(tokens.map((t, k) => pagefind.search(word(t), { filters, ...(k === 0 ? { sort: { n: "asc" } } : {}) })));
  const hits = new Map(tokens.map((t, k) => [t, { df: found[k].unfilteredResultCount, at: new Map(found[k].results.map((r) => [r.id, r.words])) }]));
  const out = [];
  found[0].results.forEach((r, rank) => {  // in id order, which breaks ties
    let total = 0;
    const starts = [];
    for (const g of groups) {
      const uniq = [...new Set(g)];
      if (!uniq.every((t) => hits.get(t).at.has(r.id))) return;
      const first = hits.get(g[0]).at.get(r.id);
      let s = first;
      if (g.length > 1) {
        const rest = g.slice(1).map((t) => new Set(hits.get(t).at.get(r.id)));
        const p = [...first].sort((a, b) => a - b).find((q) => rest.every((set, k) => set.has(q + k + 1)));
        if (p === undefined) return;
        s = [p];
      }
      starts.push(s);
      total += uniq.reduce((sum, t) => sum + weight(vocab.n, hits.get(t).df, hits.get(t).at.get(r.id).length), 0) / uniq.length;
    }
    total += proximity(starts);
    out.push({ id: r.id, score: round6(total), rank, data: r.data });
  });
  out.sort((a, b) => b.score - a.score || a.rank - b.rank);
  if (sort && out.length) {
    const sorted = await pagefind.search(word(tokens[0]), { filters, sort });
    const pos = new Map(sorted.results.map((r, k) => [r.id, k]));
    out.sort((a, b) => pos.get(a.id) - pos.get(b.id));
  }
  return out;
}

// Works matching every group of `text` (or of its one-edit vocabulary form), best first.
// Each result: {id, score, data()}; data() resolves to Pagefind's record data.
export async function findWorks(base, text, { filters = {}, sort = null } = {}) {
  const { pagefind, vocab } = await load(base);
  let groups = queryGroups(vocab, text);
  if (!groups.length) return { groups, results: [] };
  let results = await rankGroups(pagefind, vocab, groups, filters, sort);
  if (!results.length) {
    const fixed = correct(vocab, text);
    if (fixed) {
      groups = queryGroups(vocab, fixed);
      results = await rankGroups(pagefind, vocab, groups, filters, sort);
    }
  }
  return { groups, results, vocab, pagefind };
}

// Facet counts of a word search (Pagefind's own AND search of the same tokens).
export async function counts(base, groups, filters) {
  const { pagefind } = await load(base);
  const search = await pagefind.search([...new Set(groups.flat())].map(word).join(" "), { filters });
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
    if (have.includes(word)) continue;
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
