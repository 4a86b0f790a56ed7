// The browser half of generator/search/segmenter.py: a query's Chinese runs cut into words by
// jieba's most probable route (jieba's get_DAG and calc, no HMM) over the edition's dictionary,
// which the build ships in shards (koc-search/words/<xx>.json, xx = the first character's code
// point modulo 256, hex). Only the shards of the query's characters are fetched, once per page.
// A test compares these cuts with Python's on many queries.
const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
const SHARDS = 256;
// segmenter.STOP_WORDS: dropped when they stand alone among other words of a query.
const STOP_WORDS = new Set([..."的了和与及在是也就都着之吗呢吧啊呀么把被让给跟或",
  "怎么", "怎样", "怎么样", "如何", "什么", "为什么", "为何", "哪里", "哪儿", "哪个", "哪些",
  "是否", "能否", "可以", "能不能", "可不可以", "有没有", "一下", "一些", "这个", "那个", "还是"]);

const fetched = new Map();  // shard number → Promise of its data
const ready = new Map();    // shard number → {total, freq: Map of words and their prefixes (0)}

const shardOf = (ch) => ch.codePointAt(0) % SHARDS;

// Fetch the shards a query's text needs (the text as normalised by koc-find.js).
export async function loadWords(base, text) {
  const need = new Set([...text].filter((c) => CJK.test(c)).map(shardOf));
  await Promise.all([...need].map((n) => {
    if (!fetched.has(n)) {
      const url = new URL(`koc-search/words/${n.toString(16).padStart(2, "0")}.json`, base);
      fetched.set(n, fetch(url).then((r) => (r.ok ? r.json() : { t: 1, w: {} })).catch(() => ({ t: 1, w: {} })).then((data) => {
        // jieba's prefix dictionary: each word with its frequency, each shorter prefix with 0.
        const freq = new Map();
        for (const [word, f] of Object.entries(data.w)) {
          const chars = [...word];
          freq.set(word, f);
          for (let k = 1; k < chars.length; k++) { const p = chars.slice(0, k).join(""); if (!freq.has(p)) freq.set(p, 0); }
        }
        ready.set(n, { total: data.t, freq });
      }));
    }
    return fetched.get(n);
  }));
}

const lookup = (word) => ready.get(shardOf(word))?.freq.get(word);

// jieba's most probable cut of a Chinese run (Tokenizer.get_DAG and Tokenizer.calc).
export function cut(run) {
  const s = [...run], n = s.length;
  let total = 1;
  for (const c of s) { const r = ready.get(shardOf(c)); if (r) { total = r.total; break; } }
  const dag = [];
  for (let k = 0; k < n; k++) {
    const ends = [];
    let i = k, frag = s[k];
    while (i < n && lookup(frag) !== undefined) {
      if (lookup(frag)) ends.push(i);
      i++;
      frag = s.slice(k, i + 1).join("");
    }
    dag.push(ends.length ? ends : [k]);
  }
  const logtotal = Math.log(total);
  const route = new Array(n + 1);
  route[n] = [0, 0];
  for (let idx = n - 1; idx >= 0; idx--) {
    let best = null;
    for (const x of dag[idx]) {
      const v = Math.log(lookup(s.slice(idx, x + 1).join("")) || 1) - logtotal + route[x + 1][0];
      if (best === null || v > best[0] || (v === best[0] && x > best[1])) best = [v, x];
    }
    route[idx] = best;
  }
  const out = [];
  for (let x = 0; x < n;) { const y = route[x][1] + 1; out.push(s.slice(x, y).join("")); x = y; }
  return out;
}

// segmenter.query_words: stop words out; single characters side by side are one word; one at either
// end of the run joins the word beside it, anywhere else it is dropped.
export function queryWords(words) {
  const len = (w) => [...w].length;
  if (words.filter((w) => !STOP_WORDS.has(w)).reduce((sum, w) => sum + len(w), 0) < 2) return [words.join("")];
  const parts = [];  // [text, kind]
  for (const w of words) {
    const kind = STOP_WORDS.has(w) ? "stop" : len(w) === 1 ? "single" : "word";
    if (kind === "single" && parts.length && parts.at(-1)[1] === "single") parts.at(-1)[0] += w;
    else parts.push([w, kind]);
  }
  const out = [], last = parts.length - 1;
  parts.forEach(([w, kind], k) => {
    if (kind === "word" || (kind === "single" && len(w) > 1)) out.push(w);
    else if (kind === "single" && k === 0 && parts[1][1] === "word") parts[1][0] = w + parts[1][0];
    else if (kind === "single" && k === last && parts[k - 1][1] === "word") out[out.length - 1] += w;
  });
  return out.length ? out : [words.join("")];
}

// The words of a query's Chinese run (2+ characters), as Segmenter.words gives them.
export const wordsOf = (run) => queryWords(cut(run));
