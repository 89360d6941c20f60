"""Build the topic vocabulary, `kb/data/vocabulary.json`, from TutorialBank and the curated topics.

    python -m kb.extraction.build_vocabulary [--tutorialbank DIR] [--curated FILE] [--output FILE]

Inputs: TutorialBank's two topic tables (`prerequisite_topics.csv`, the 208 topics whose ids the
lynx dump's `idNNN` tokens name, and `taxonomy.csv`, 305 topics under parents) in
`../shared/data/tutorialbank` beside the repository, and `kb/data/curated_topics.json`, the
hand-curated entries (`slug`, `name`, `aliases`, `broader`, `kind`, and for the entries carried
over from the first vocabulary, `tutorialbank` and `token_surface`).

TutorialBank's names are course-lecture titles more than topics ("Language Modeling, Syntax,
Parsing", "Introduction to Word Sense Disambiguation", "Linear Algebra 2"). Each is cleaned into the
learnable topics it names: `TAXONOMY_NAMES` and `TOPIC_NAMES` give those of the rows that the
general rules (drop "Introduction to" and a lecture number, split at commas) get wrong, and list as
empty the rows that name no topic (class logistics, catch-all "Other Topics"). A cleaned name
that equals a curated name or alias (case-insensitively, hyphen or space, plural or not) adds the
row to that entry; any other becomes an entry of its own, named after the row, placed under the
topics of its taxonomy parent or as `PLACEMENT` says.

Every entry records where it came from in `origin`: "curated", "tutorialbank-topics:<id>" (a row of
`prerequisite_topics.csv`), "tutorialbank-taxonomy:<id>" (a row of `taxonomy.csv`).
`tutorialbank` lists the prerequisite-table ids that the entry is, which the `idNNN` tokens resolve
to, so an id belongs to one entry only: where a row is split into several topics, to the first. An
id that a curated entry declares stays there whatever the row's name (`id56` stood for "rnn",
recurrent, in the guide's text, though topic 56 is "Recursive Neural Network").

The product reads only the generated file; TutorialBank is needed only to rebuild it.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
DEFAULT_TUTORIALBANK = PACKAGE.parent.parent / "shared" / "data" / "tutorialbank"
DEFAULT_CURATED = PACKAGE / "data" / "curated_topics.json"
DEFAULT_OUTPUT = PACKAGE / "data" / "vocabulary.json"
# What each `idNNN` token of TutorialBank's processed texts stood for (its topic's name).
TOKENS_OUTPUT = PACKAGE / "data" / "tutorialbank_tokens.json"

CURATED_FIELDS = {"slug", "name", "aliases", "broader", "kind", "tutorialbank", "token_surface"}
KINDS = ("field", "method", "model", "math", "language", "tool", "dataset", "concept", "practice")

# Rows of taxonomy.csv: the topics each names, where the general cleaning gets them wrong. An empty
# list: the row names no learnable topic.
TAXONOMY_NAMES: dict[int, list[str]] = {
    1: ["linguistics"],  # "Introduction and Linguistics"
    2: ["language modeling", "linguistic syntax", "syntactic parsing"],
    3: ["linguistic semantics", "mathematical logic"],  # "Semantics and Logic"
    4: ["pragmatics", "discourse analysis", "dialogue systems"],  # "..., Applications"
    5: ["classification"],
    6: ["information retrieval", "topic modeling"],
    7: ["neural networks", "deep learning"],
    8: ["artificial intelligence"],
    9: [],  # "Other Topics"
    11: ["natural language processing"],  # "Introduction to NLP"
    12: ["mathematics"],
    13: ["python"],
    14: ["linguistics"],  # "Language and Linguistics"
    15: ["natural language processing"],  # "NLP Tasks"
    17: ["data structures and algorithms"],
    18: ["statistical modeling"],  # "Mathematical Models"
    22: ["hidden Markov models"],
    24: ["linguistic syntax"],  # "Syntax": the linguistic sense
    25: ["syntactic parsing"],  # "Parsing"
    26: ["unification grammars"],  # "Unification"
    27: [],  # "NACLO Problems": linguistics olympiad puzzles, a kind of resource
    28: ["syntactic parsing"],  # "Parsing Issues"
    31: ["lexical semantics"],
    32: ["compositional semantics"],
    33: ["computational semantics"],  # "Semantic Analysis"
    36: ["mathematical logic", "knowledge representation"],  # "Logic and Knowledge Representation"
    38: ["sentiment analysis"],  # "Sentiment"
    44: ["discourse analysis", "dialogue systems"],  # "Discourse and Dialogue"
    52: ["support vector machines", "kernel methods"],
    54: ["text classification", "feature selection"],
    62: ["document ranking"],
    64: ["network analysis"],
    73: ["deep-learning frameworks"],  # "Deep Learning Tools"
    75: ["deep learning"],  # "Applications of Neural Networks"
    82: ["state-space search"],  # "Search" in AI
    83: ["mathematical logic", "logical inference"],  # "Logic and Reasoning"
    84: ["reasoning under uncertainty"],  # "Uncertainty"
    85: ["machine learning"],  # "Learning"
    86: ["cognitive science", "machine perception"],  # "Cognition and Perception"
    87: ["robotics", "autonomous vehicles"],  # "Robotics and Autonomous Cars"
    88: [],  # "Other AI"
    91: [],  # "Recent Developments"
    92: [],  # "Lily Projects": the lab's own projects
    94: ["phonetics", "speech processing"],  # "Phonetics and Speech"
    99: [],  # "Miscellaneous Topics"
    101: ["mathematics"],  # "Prerequisite Mathematics"
    102: ["statistics", "probability"],  # "Statistics and Probability"
    104: ["data structures", "computer science"],  # "Data Structures and Computer Science"
    106: ["theory of computation", "formal grammars"],  # "Theory of Computation and Grammars"
    111: [],  # "Class Logistics"
    112: ["natural language processing"],  # "Introduction" (to NLP)
    113: ["natural language processing"],  # "History of NLP"
    114: ["natural language processing"],  # "Why is NLP Hard?"
    115: ["natural language processing"],  # "Methods used in NLP"
    123: ["probability"],  # "Probabilities 1"
    124: ["probability"],
    133: ["natural language processing"],  # "NLP Resources": collections about NLP
    134: ["machine learning"],  # "Machine Learning Resources"
    141: ["linguistics"],  # "Linguistics Basics"
    143: ["linguistic morphology", "lexical resources"],  # "Morphology and Lexicon"
    151: ["natural language processing"],  # "NLP Tasks 1"
    152: ["natural language processing"],
    153: ["text preprocessing"],  # "Preprocessing" (under NLP Tasks)
    154: ["corpus linguistics"],  # "Working with Corpora"
    162: ["finite-state machines"],  # "Introduction to Finite State Machines"
    166: ["formal languages", "computational complexity theory"],  # "Language and Complexity"
    171: ["data structures and algorithms"],  # "Basic Data Structures and Algorithms"
    184: ["Monte Carlo methods"],
    185: ["statistical mechanics"],  # "Physics methods"
    186: ["bioinformatics"],  # "Bioinformatics Methods"
    187: ["mathematical optimization"],  # "Optimization"
    212: ["language model smoothing"],  # "Smoothing and Interpolation"
    213: ["perplexity"],  # "Evaluation of Language Modeling"
    214: ["noisy channel model"],  # "The Noisy Channel"
    215: ["part-of-speech tagging"],  # "Introduction to Part of Speech Tagging"
    221: ["hidden Markov models"],
    222: ["hidden Markov models", "expectation-maximization algorithm"],  # "Learning for HMMs"
    231: ["part-of-speech tagging"],  # "Statistical Part of Speech Tagging"
    232: ["information extraction", "named entity recognition"],
    234: ["sequence labeling", "conditional random fields"],  # "...and Conditional Randomness"
    241: ["linguistic syntax"],  # "Syntax Basics"
    242: ["syntactic parsing", "context-free grammars"],  # "Parsing and Context-Free Grammars"
    243: ["syntactic parsing"],  # "Classic Parsing Methods"
    244: ["CKY algorithm"],  # "CKY Parsing"
    245: ["Earley parser"],  # "Earley Parsing"
    247: ["parsing evaluation"],
    251: ["probabilistic context-free grammars"],  # "Probabilistic Grammars"
    255: ["dependency grammar"],  # "Dependency Syntax"
    256: ["dependency parsing"],
    258: ["parsing evaluation"],  # "Evaluation of Dependency Parsing"
    261: ["grammar formalisms"],  # "Alternative Syntactic Formalisms"
    262: ["unification grammars"],  # "Features and Unification"
    271: ["syntactic parsing"],  # "NACLO Problems on Parsing"
    281: ["neural parsing"],  # "NN Sequence Parsing"
    282: ["prepositional phrase attachment"],  # "Prepositional Phrase Attachment 1"
    283: ["prepositional phrase attachment"],
    284: ["prepositional phrase attachment"],
    311: ["text similarity"],  # "Text Similarity Intro"
    314: ["semantic similarity"],
    316: ["semantic similarity"],  # "Thesaurus-based Similarity"
    321: ["vector space model"],  # "Vector Representations"
    322: ["distributional semantics"],  # "Vector Semantics"
    351: ["textual entailment", "paraphrasing"],  # "Entailment and Paraphrasing"
    361: ["compositional semantics", "mathematical logic"],  # "...Semantics and Logic"
    364: ["logical inference"],  # "Inference", under logic
    391: ["word sense disambiguation"],
    411: ["question answering"],  # "Question Answering Basics"
    412: ["question answering"],  # "Evaluation of Question Answering"
    413: ["question answering"],  # "QA Architecture and QA Systems 1"
    414: ["question answering"],
    421: ["automatic summarization"],  # "Summarization 1"
    422: ["automatic summarization"],
    423: ["automatic summarization"],
    424: ["automatic summarization"],
    431: ["natural language generation"],  # "Natural Language Generation Basics"
    432: ["natural language generation"],  # "Natural Language Generation Systems"
    433: ["natural language generation", "unification grammars"],  # "NLG: Features and..."
    442: ["discourse analysis", "prosody"],  # "Coherence and Prosody"
    444: ["dialogue systems"],  # "Dialogue"
    451: ["machine translation"],  # "Machine Translation Basics"
    452: ["machine translation"],  # "Machine Translation Techniques"
    453: ["noisy channel model", "statistical machine translation"],  # "Noisy Channel Methods..."
    454: ["IBM alignment models"],  # "The IBM Models"
    456: ["phrase-based machine translation", "machine translation evaluation"],
    457: ["linguistic morphology", "machine translation"],  # "Morphology and Semantics in MT"
    511: ["classification", "k-nearest neighbors"],  # "Classification and kNN 1"
    512: ["classification", "k-nearest neighbors"],
    513: ["generative models", "discriminative models"],  # "Generative and Discriminative Models 1"
    514: ["generative models", "discriminative models"],
    516: ["logistic regression"],  # "Logistic Regression 1"
    517: ["logistic regression"],
    521: ["support vector machines", "kernel methods"],
    542: ["text classification"],  # "Examples of Text Classification"
    544: ["text classification", "evaluation metrics"],  # "Evaluation of Text Classification"
    545: ["classification"],  # "Practical Considerations of Classification"
    571: ["clustering"],  # "Clustering 1"
    572: ["clustering"],
    581: ["semi-supervised learning"],
    582: ["structured prediction"],  # "Structured Learning"
    611: ["information retrieval"],
    612: ["search engines"],  # "Search Engine Architecture"
    613: ["information retrieval evaluation"],  # "Evaluation of Information Retrieval"
    614: ["information retrieval", "Apache Lucene"],  # "Toolkits for Information Retrieval"
    622: ["query expansion"],  # "Query Modification"
    623: ["random walks", "harmonic functions"],  # "Random Walks and Harmonic Functions"
    624: ["semi-supervised learning", "PageRank"],  # "Semi Supervised Retrieval, Pagerank"
    641: ["network analysis"],
    711: ["neural networks", "deep learning"],  # "Introduction to Neural Networks and Deep..."
    712: ["network architectures", "training neural networks"],
    713: ["deep learning"],  # "Miscellaneous Deep Learning"
    721: ["word embeddings"],
    723: ["sentence embeddings"],  # "Neural Sentence Representation"
    731: ["deep-learning frameworks"],  # "Tools for Deep Learning"
    742: ["LSTM"],  # "Long Short Term Memory Networks"
    745: ["attention mechanism", "memory networks"],  # "Neural Attention and Memory"
    751: ["neural language models"],  # "Neural Language Modeling"
    754: ["automatic summarization"],  # "Neural Summarization"
    755: ["question answering"],  # "Neural Question Answering"
    756: ["natural language generation", "dialogue systems"],  # "Neural Generation, Dialogue..."
    811: ["artificial intelligence"],  # "Introduction to AI"
    812: ["programming languages"],
    813: ["intelligent agents"],  # "Agent-based view of AI"
    821: ["problem solving", "state-space search"],  # "Problem solving and search"
    825: ["game playing"],
    828: ["automated planning"],  # "Planning"
    831: ["mathematical logic", "logical agents"],  # "Intro to Logic and Logical agents"
    833: ["first-order logic"],  # "First Order Logic (see topic 362)"
    834: ["logical inference"],  # "Inference (see topic 364)"
    841: ["reasoning under uncertainty"],  # "Intro to uncertainty"
    842: ["reasoning under uncertainty", "Bayesian networks"],
    843: ["reasoning under uncertainty", "Markov decision processes"],  # "...over time (MDP)"
    851: ["machine learning"],  # "Intro to learning"
    852: ["supervised learning"],  # "Learning from examples"
    861: ["machine perception"],  # "Intro to Communication and Perception"
    862: ["computer vision"],  # "Vision"
    863: ["speech processing"],  # "Speech"
    911: ["SyntaxNet"],
    921: [],  # "Miscellaneous Projects"
    943: ["speech signal analysis"],
    944: ["speech recognition"],  # "Automatic Speech Recognition"
    945: ["speech synthesis"],  # "Text to Speech Generation"
    951: ["computational humor"],  # "NLP and Humor"
    955: ["Arabic NLP"],
    956: ["computer-assisted translation"],  # "Computer-Aided Translation"
    958: ["vision and language"],  # "NLP and Vision"
    959: ["bibliometrics"],  # "NLP and Bibliometrics"
    960: ["grammatical error correction", "spelling correction"],  # "Grammar and Spelling..."
    961: ["corpus linguistics"],  # "Corpus Creation"
    963: ["Chinese NLP"],
    964: ["psycholinguistics"],  # "Computational Psycholinguistics"
    967: ["graph-based NLP"],
    969: ["historical linguistics"],  # "NLP for Historical Texts"
    970: [],  # "Prior Knowledge": no topic of its own
    973: ["biomedical text mining"],  # "NLP for Biology"
    974: ["natural language interfaces"],  # "NLP for Databases"
    975: ["readability assessment"],  # "Readability"
    979: ["digital humanities"],  # "NLP for the Humanities"
    981: ["quantitative finance"],  # "Financial Applications"
    999: [],  # "Others"
}

# Rows of prerequisite_topics.csv, likewise.
TOPIC_NAMES: dict[int, list[str]] = {
    12: ["attention mechanism"],  # "Attention Models"
    16: ["coreference resolution"],  # "Coreference and Coreference Resolution"
    25: ["deep Q-networks"],  # "DQN"
    64: ["bootstrapping"],  # in this NLP corpus, the semi-supervised sense
    73: ["cross-lingual word embeddings"],  # "Multilingual Word"
    74: ["evaluation metrics"],
    78: ["duality"],  # "Dual Problems"
    83: ["expectation-maximization algorithm"],  # "Expectation-Maximization (EM) Algorithm"
    98: ["convolutional neural networks"],  # "CNN's"
    136: ["logical inference"],  # "Inference"
    172: ["feature scaling"],  # "Normalization", beside "Data preprocessing"
    188: ["language model smoothing"],  # "smoothing and backoff"
    189: ["policy gradient methods"],
    196: ["game playing"],  # "Game playing in AI"
    204: ["descriptive statistics", "hypothesis testing"],
    205: ["information theory", "coding theory", "data compression", "mutual information"],
    206: ["data structures and algorithms"],
}

# Entries made from TutorialBank rows alone (no curated entry has the name): their kind and
# broader topics, where the taxonomy's parent does not say.
PLACEMENT: dict[str, tuple[str, list[str]]] = {
    "bootstrapping": ("method", ["semi-supervised-learning", "self-training"]),
    "scientific article summarization": ("method", ["automatic-summarization"]),
    "graph-based nlp": ("method", ["nlp", "graph-theory"]),
    "arabic nlp": ("field", ["multilingual-nlp"]),
    "chinese nlp": ("field", ["multilingual-nlp"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kb.extraction.build_vocabulary", description=__doc__
    )
    parser.add_argument("--tutorialbank", type=Path, default=DEFAULT_TUTORIALBANK)
    parser.add_argument("--curated", type=Path, default=DEFAULT_CURATED)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    for needed in ("prerequisite_topics.csv", "taxonomy.csv"):
        if not (args.tutorialbank / needed).is_file():
            print(f"no {needed} in {args.tutorialbank} (see --tutorialbank)", file=sys.stderr)
            return 2
    curated = json.loads(args.curated.read_text(encoding="utf-8"))
    entries = build(curated, args.tutorialbank)
    write(entries, args.output)
    write_tokens(args.tutorialbank / "prerequisite_topics.csv", TOKENS_OUTPUT)
    counts = defaultdict(int)
    for entry in entries:
        counts["curated" if "curated" in entry["origin"] else "tutorialbank only"] += 1
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
    print(f"{len(entries)} topics ({summary}) -> {args.output}")
    return 0


def build(curated: list[dict], tutorialbank: Path) -> list[dict]:
    """The vocabulary's entries, sorted by slug; raises ValueError where it would be unsound."""
    vocab = _Vocabulary(curated)
    declared = {n: e["slug"] for e in curated for n in e.get("tutorialbank", ())}
    for number, raw in read_topics(tutorialbank / "prerequisite_topics.csv"):
        names = TOPIC_NAMES.get(number, clean(raw))
        if number in declared:
            slugs = [declared[number]]
        else:
            slugs = [vocab.resolve(name, raw) for name in names]
        for i, slug in enumerate(slugs):
            vocab.add_origin(slug, f"tutorialbank-topics:{number}")
            if i == 0:
                vocab.add_id(slug, "tutorialbank", number)
    rows = read_taxonomy(tutorialbank / "taxonomy.csv")
    slugs_of_row: dict[int, list[str]] = {}
    for number, raw, parent in rows:  # parents come before their children in the table
        names = TAXONOMY_NAMES.get(number, clean(raw))
        above = slugs_of_row.get(parent, []) if parent != number else []
        slugs = [vocab.resolve(name, raw, above) for name in names]
        slugs_of_row[number] = slugs
        for slug in slugs:
            vocab.add_origin(slug, f"tutorialbank-taxonomy:{number}")
            vocab.add_id(slug, "taxonomy", number)
    entries = vocab.finish()
    check(entries)
    return entries


def write_tokens(table: Path, output: Path) -> None:
    """id -> lower-cased name of the topic table's first name field, as the tokens use them."""
    with table.open(newline="", encoding="utf-8") as handle:
        names = {row[0]: row[1].strip().lower() for row in csv.reader(handle) if row}
    output.write_text(json.dumps(names, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_topics(path: Path) -> list[tuple[int, str]]:
    """(id, name) of the 208-topic table: id, name, URL, no header; one name holds unquoted
    commas, so the name is what lies between the id and the trailing URL or NULL fields."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if not row:
                continue
            rest = [field.strip() for field in row[1:]]
            while len(rest) > 1 and (rest[-1] == "NULL" or rest[-1].startswith("http")):
                rest.pop()
            rows.append((int(row[0]), ", ".join(rest)))
    return rows


def read_taxonomy(path: Path) -> list[tuple[int, str, int]]:
    """(taxonomy id, name, parent id) of the taxonomy, in the table's order."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, skipinitialspace=True)
        return [
            (int(row["taxonomy_id"]), row["topic_name"].strip(), int(row["parent_topic"]))
            for row in reader
        ]


def clean(raw: str) -> list[str]:
    """The topics a TutorialBank title names, by the general rules: no "(see topic N)", no
    "Introduction to" or "Basics", no lecture number, one topic per comma-separated part."""
    name = re.sub(r"\s*\(see topic \d+\)", "", raw).strip()
    parts = []
    for part in re.split(r"\s*[,;]\s*", name):
        part = re.sub(r"^(introduction to|intro to)\s+", "", part, flags=re.I)
        part = re.sub(r"\s+(\d+|basics)$", "", part, flags=re.I)
        if part:
            parts.append(part)
    return parts


def key(alias: str) -> str:
    """How the matcher compares aliases: hyphen or space alike, and case-insensitively except for
    short all-capital ones ("CNN", "OS"), which match only in capitals."""
    folded = re.sub(r"[\s-]+", " ", alias.strip())
    return folded if alias.isupper() and len(alias) <= 4 else folded.lower()


def plural_forms(k: str) -> list[str]:
    """`k` and the forms the matcher takes for the same word (it adds "s" or "es")."""
    forms = [k, k + "s", k + "es"]
    for suffix in ("es", "s"):
        if k.endswith(suffix) and len(k) > len(suffix) + 2:
            forms.append(k[: -len(suffix)])
    return forms


class _Vocabulary:
    def __init__(self, curated: list[dict]):
        self.entries: dict[str, dict] = {}
        self.index: dict[str, str] = {}
        for item in curated:
            unknown = set(item) - CURATED_FIELDS
            if unknown or item.get("kind") not in KINDS:
                raise ValueError(f"curated entry {item.get('slug')}: bad fields or kind")
            if item["slug"] in self.entries:
                raise ValueError(f"curated slug {item['slug']} twice")
            entry = {
                "slug": item["slug"],
                "name": item["name"],
                "aliases": list(item["aliases"]),
                "broader": list(item["broader"]),
                "kind": item["kind"],
                "origin": ["curated"],
                "tutorialbank": [],
                "taxonomy": [],
            }
            if "token_surface" in item:
                entry["token_surface"] = item["token_surface"]
            self._add(entry)

    def _add(self, entry: dict) -> None:
        self.entries[entry["slug"]] = entry
        for alias in (entry["name"], *entry["aliases"]):
            self.index.setdefault(key(alias), entry["slug"])

    def lookup(self, name: str) -> str | None:
        for form in plural_forms(key(name)):
            if form in self.index:
                return self.index[form]
        return None

    def resolve(self, name: str, raw: str, above: list[str] = ()) -> str:
        """The entry `name` is, made from the TutorialBank row if no entry has that name."""
        found = self.lookup(name)
        if found:
            return found
        display = name[0].upper() + name[1:]
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        if slug in self.entries:
            raise ValueError(f"TutorialBank topic {raw!r} makes slug {slug}, which is taken")
        placed = {key(k).lower(): v for k, v in PLACEMENT.items()}
        kind, broader = placed.get(key(name).lower(), ("concept", list(above)))
        if not broader:
            print(f"warning: {raw!r} has no broader topic", file=sys.stderr)
        self._add(
            {
                "slug": slug,
                "name": display,
                "aliases": [],
                "broader": [b for b in broader if b != slug],
                "kind": kind,
                "origin": [],
                "tutorialbank": [],
                "taxonomy": [],
            }
        )
        return slug

    def add_origin(self, slug: str, origin: str) -> None:
        if origin not in self.entries[slug]["origin"]:
            self.entries[slug]["origin"].append(origin)

    def add_id(self, slug: str, field: str, number: int) -> None:
        if number not in self.entries[slug][field]:
            self.entries[slug][field].append(number)

    def finish(self) -> list[dict]:
        def order(origin: str) -> tuple[int, int]:
            if origin == "curated":
                return (0, 0)
            source, number = origin.rsplit(":", 1)
            return (1 if source == "tutorialbank-topics" else 2, int(number))

        for entry in self.entries.values():
            entry["origin"].sort(key=order)
            entry["tutorialbank"].sort()
            entry["taxonomy"].sort()
        return [self.entries[slug] for slug in sorted(self.entries)]


def check(entries: list[dict]) -> None:
    """Refuse a vocabulary the matcher would misread: a slug or alias twice (an alias also where
    one entry has it and another its plural), a broader topic missing, a cycle of broader topics,
    a token id on two entries."""
    problems = []
    slugs = {e["slug"] for e in entries}
    if len(slugs) != len(entries):
        problems.append("a slug is used twice")
    owner: dict[str, str] = {}
    for entry in entries:
        for alias in (entry["name"], *entry["aliases"]):
            owner.setdefault(key(alias), entry["slug"])
    for entry in entries:
        for alias in (entry["name"], *entry["aliases"]):
            for form in plural_forms(key(alias)):
                other = owner.get(form)
                if other and other != entry["slug"]:
                    problems.append(f"{alias!r} of {entry['slug']} is also {form!r} of {other}")
        for broader in entry["broader"]:
            if broader not in slugs:
                problems.append(f"{entry['slug']}: broader {broader} does not exist")
        if not entry["origin"]:
            problems.append(f"{entry['slug']} has no origin")
    token_of: dict[int, str] = {}
    for entry in entries:
        for number in entry["tutorialbank"]:
            if number in token_of:
                problems.append(
                    f"TutorialBank id {number} on {token_of[number]} and {entry['slug']}"
                )
            token_of[number] = entry["slug"]
    cycle = find_cycle({e["slug"]: e["broader"] for e in entries})
    if cycle:
        problems.append("broader topics form a cycle: " + " -> ".join(cycle))
    if problems:
        raise ValueError("unsound vocabulary:\n  " + "\n  ".join(sorted(set(problems))))


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle of `graph` (node -> successors) as a path whose last node is its first, or None."""
    state: dict[str, int] = {}  # 1: on the path being walked, 2: every path from it walked
    for start in graph:
        if start in state:
            continue
        path, stack = [start], [iter(graph.get(start, ()))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                state[path.pop()] = 2
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(graph.get(nxt, ())))
    return None


def write(entries: list[dict], path: Path) -> None:
    """One entry a line, so that a change to a topic is a change to its line."""
    lines = [json.dumps(entry, ensure_ascii=False) for entry in entries]
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
