// jsonfeed-check.mjs DIR: reads every JSON Feed refeed wrote in DIR (*.json)
// with feedsmith, an independent parser from npm (pinned in package.json,
// installed with `npm ci --prefix .ci`), and checks that it reads as a JSON
// Feed, that it is version 1.1, that every item has an id and content, and
// that it holds as many items as the RSS and Atom files of the same feed,
// read with feedsmith too.
// Exit status 0 when there is no problem, 1 otherwise, 2 on bad usage.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { parseFeed, parseRssFeed, parseAtomFeed } from "feedsmith";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node jsonfeed-check.mjs DIR");
  process.exit(2);
}

const problems = [];
const problem = (file, msg) => problems.push(`${basename(file)}: ${msg}`);
const read = (file) => readFileSync(file, "utf8");

const jsonFiles = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
if (jsonFiles.length === 0) {
  problem(dir, "no *.json feed");
}
for (const name of jsonFiles) {
  const file = join(dir, name);
  let raw, parsed;
  try {
    raw = JSON.parse(read(file));
    parsed = parseFeed(read(file));
  } catch (err) {
    problem(file, `feedsmith: ${err.constructor.name}: ${err.message}`);
    continue;
  }
  // feedsmith keeps no version: read it from the document.
  if (raw.version !== "https://jsonfeed.org/version/1.1") {
    problem(file, `version ${JSON.stringify(raw.version)}, want https://jsonfeed.org/version/1.1`);
  }
  if (parsed.format !== "json") {
    problem(file, `feedsmith reads it as ${parsed.format}, not JSON Feed`);
    continue;
  }
  const feed = parsed.feed;
  if (!feed.title) {
    problem(file, "no title");
  }
  const items = feed.items ?? [];
  if (!Array.isArray(raw.items) || items.length !== raw.items.length) {
    problem(file, `feedsmith reads ${items.length} items of ${raw.items?.length}`);
  }
  items.forEach((it, i) => {
    if (!it.id) problem(file, `item ${i}: no id`);
    // feedsmith drops empty strings; an empty content_html is present.
    const r = raw.items?.[i] ?? {};
    if (typeof r.content_html !== "string" && typeof r.content_text !== "string") {
      problem(file, `item ${i}: neither content_html nor content_text`);
    }
  });
  const counts = { json: items.length };
  const stem = join(dir, name.slice(0, -".json".length));
  for (const [ext, parse, list] of [
    [".rss", parseRssFeed, "items"],
    [".atom", parseAtomFeed, "entries"],
  ]) {
    if (!existsSync(stem + ext)) continue;
    try {
      counts[ext.slice(1)] = (parse(read(stem + ext))[list] ?? []).length;
    } catch (err) {
      problem(stem + ext, `feedsmith: ${err.constructor.name}: ${err.message}`);
    }
  }
  if (new Set(Object.values(counts)).size > 1) {
    problem(file, `item counts differ between formats: ${JSON.stringify(counts)}`);
  }
}

for (const p of problems) console.log(p);
console.log(`jsonfeed-check: ${jsonFiles.length} JSON feeds read with feedsmith, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
