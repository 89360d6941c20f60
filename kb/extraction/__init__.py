"""What a study guide says, read from its parsed editions: pure functions, one module per family.

- `vocabulary`: the base topic vocabulary and the matcher that finds its topics in text;
- `topics`: the topics a guide names, and those it introduces that the vocabulary lacks
  (discovered from its headings, labels, lists, acronym definitions and requirements);
- `prerequisites`: what requires what, from sentences in their many wordings, from the guide's
  structure (Prerequisites sections and table columns, conditioning headings, curriculum stages),
  with negations kept apart;
- `relevance`: which topics a resource teaches, on evidence, with a score and the rule;
- `kinds`: what kind of resource a link is, from URL rules and a model learned from labels;
- `titles`: a resource's best title.

They read `importers.document.ParsedDocument`s (and what `importers.merge` gathers of a source's
editions) and return frozen findings; `importers.pipeline` writes them. None touches the
database.
"""
