"""Kinds and access of learning resources, on links from the 2017 deep-learning guide."""

import dataclasses
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from kb.extraction import kind_model
from kb.extraction.kinds import KINDS, MODEL_WEIGHT, KindDecision, classify, classify_access

TUTORIALBANK = Path(__file__).resolve().parents[2] / "shared/data/tutorialbank/resources.tsv"
needs_tutorialbank = pytest.mark.skipif(
    not TUTORIALBANK.exists(), reason="TutorialBank is not beside the repository"
)

# (url, anchor, context, section, kind, rule); anchors and contexts are the guide's own words.
GUIDE_LINKS = [
    (
        "https://www.youtube.com/watch?v=flzGjnJLyS0",
        "use pigeons",
        "If you like to use neural networks with less code than Keras, the only option is to use"
        " pigeons.",
        None,
        "video",
        "url:youtube.com/watch",
    ),
    (
        "https://www.youtube.com/playlist?list=PLLvH2FwAQhnpj1WEB-jHmPuUeQ8mX-XXG",
        "its videos",
        "CS231n: Convolutional Neural Networks for Visual Recognition by Andrej Karpathy and"
        " its videos",
        "Further reading",
        "video",
        "url:youtube.com/playlist",
    ),
    (
        "http://lumiverse.io/series/neural-networks-demystified",
        "Neural Networks Demystified",
        "Neural Networks Demystified by Stephen Welch - video series",
        None,
        "video",
        "context:'video series'",
    ),
    (
        "https://github.com/stared/keras-mini-examples/blob/master/mnist_simple.ipynb",
        "this minimal example",
        "Or... if you want to use Keras in Python, see this minimal example",
        "Let's play!",
        "notebook",
        "url:*.ipynb",
    ),
    (
        "http://www.deeplearningbook.org/",
        "Ian Goodfellow and Yoshua Bengio and Aaron Courville, Deep Learning, An MIT Press book",
        "",
        "Further reading",
        "book",
        "words:'book'",
    ),
    (
        "http://www.deeplearningbook.org/contents/linear_algebra.html",
        "Linear Algebra",
        "Applied Math and Machine Learning Basics: Linear Algebra from the Deep Learning book",
        "Mathematics",
        "book",
        "context:'book'",
    ),
    (
        "https://arxiv.org/abs/1508.06576",
        "A Neural Algorithm of Artistic Style",
        "",
        None,
        "paper",
        "url:arxiv abs/pdf",
    ),
    (
        "http://playground.tensorflow.org/",
        "TensorFlow Playground",
        "And you can even play with it in your browser:",
        None,
        "interactive demo",
        "words:'demo'",
    ),
    (
        "http://playground.tensorflow.org/",
        "",
        "And you can even play with it in your browser:",
        None,
        "interactive demo",
        "context:'in your browser'",
    ),
    (
        "https://twitter.com/fchollet/status/852194634470223873",
        "The state of deep learning frameworks (from GitHub metrics), April 2017.",
        "",
        "Keras",
        "social post",
        "url:twitter.com status",
    ),
    (
        "https://www.manning.com/books/deep-learning-with-python",
        "Deep Learning with Python",
        "by François Chollet",
        None,
        "book",
        "url:book publisher",
    ),
    (
        "http://yann.lecun.com/exdb/mnist/",
        "MNIST digit recognition dataset",
        "Still, I recommend starting with MNIST digit recognition dataset"
        " (60k grayscale 28x28 images)",
        "MNIST",
        "dataset",
        "words:'dataset'",
    ),
    (
        "https://www.cs.toronto.edu/~kriz/cifar.html",
        "CIFAR-10 dataset",
        "",
        "CIFAR",
        "dataset",
        "words:'dataset'",
    ),
    (
        "https://github.com/leriomaggio/deep-learning-keras-tensorflow",
        "Deep Learning with Keras and TensorFlow",
        "For a complete, interactive introduction to deep learning with Keras in Jupyter Notebook",
        "Keras",
        "code repository",
        "url:github.com repository",
    ),
    (
        "https://github.com/szilard/benchm-ml/tree/master/x1-data-higgs",
        "logistic regression, random forest and deep learning on Higgs dataset",
        "",
        None,
        "code repository",
        "url:github.com repository",
    ),
    (
        "https://github.com/fchollet/keras/blob/master/examples/mnist_cnn.py",
        "",
        "",
        None,
        "code repository",
        "url:github.com source file",
    ),
    (
        "https://gist.github.com/stared/70daf8e0334abf6e7527259e7221f568",
        "gist for notMNIST loading and logistic regression in Keras",
        "",
        "notMNIST",
        "code repository",
        "url:gist.github.com",
    ),
    (
        "https://www.kaggle.com/benhamner/d/benhamner/nips-papers/popular-datasets-over-time/code",
        "popular datasets",
        "",
        "Datasets",
        "notebook",
        "url:kaggle notebook",
    ),
    (
        "https://www.kaggle.com/datasets",
        "Kaggle datasets",
        "",
        None,
        "dataset",
        "url:kaggle datasets",
    ),
    ("https://keras.io/", "Keras", "", None, "library", "url:library homepage"),
    ("http://pytorch.org/", "PyTorch", "", "Frameworks", "library", "url:library homepage"),
    (
        "https://keras.io/datasets/",
        "keras.datasets",
        "included in keras.datasets",
        "MNIST",
        "documentation",
        "url:docs site",
    ),
    (
        "https://www.tensorflow.org/versions/master/tutorials/index.html",
        "TensorFlow Tutorials",
        "the official TensorFlow Tutorials is very good",
        "TensorFlow",
        "tutorial",
        "url:docs tutorial",
    ),
    ("http://pytorch.org/tutorials/", "", "", None, "tutorial", "url:docs tutorial"),
    (
        "https://www.tensorflow.org/get_started/summaries_and_tensorboard",
        "TensorBoard",
        "",
        None,
        "documentation",
        "url:docs site",
    ),
    (
        "https://lasagne.readthedocs.io/",
        "Lasagne",
        "so one often uses libraries such as Lasagne",
        "Other",
        "documentation",
        "url:docs site",
    ),
    (
        "https://docs.scipy.org/doc/numpy-dev/user/quickstart.html",
        "NumPy",
        "",
        None,
        "documentation",
        "url:docs site",
    ),
    (
        "https://en.wikipedia.org/wiki/Softmax_function",
        "softmax",
        "",
        None,
        "article",
        "url:wikipedia",
    ),
    (
        "https://www.physics.ohio-state.edu/~jay/880/moreisdifferent.pdf",
        "More is different",
        "",
        None,
        "paper",
        "url:academic pdf",
    ),
    (
        "https://www.reddit.com/r/MachineLearning/comments/4casci/can_i_hug_that_i_trained_a_classifier_to_tell_you/",
        "detecting huggable objects",
        "",
        None,
        "social post",
        "url:forum thread",
    ),
    (
        "https://medium.com/towards-data-science/linear-algebra-cheat-sheet-for-deep-learning-cd67aba4526c",
        "Linear algebra cheat sheet for deep learning",
        "",
        "Mathematics",
        "article",
        "words:'cheat sheet'",
    ),
    (
        "https://transcranial.github.io/keras-js/",
        "Keras.js Demo",
        "to visualize and use real networks in your browser (e.g. ResNet-50)",
        None,
        "interactive demo",
        "words:'demo'",
    ),
    (
        "http://www.marekrei.com/blog/theano-tutorial/",
        "Theano Tutorial",
        "If you look at a place to start, I like this introduction:",
        "Other",
        "tutorial",
        "words:'tutorial'",
    ),
    (
        "https://cambridgespark.com/content/tutorials/convolutional-neural-networks-with-keras/index.html",
        "Deep learning for complete beginners: convolutional neural networks with Keras",
        "",
        "Keras",
        "tutorial",
        "url:path 'tutorial'",
    ),
    (
        "http://yaroslavvb.blogspot.com/2011/09/notmnist-dataset.html",
        "notMNIST",
        "A more interesting dataset, and harder for classical machine learning algorithms",
        "notMNIST",
        "dataset",
        "context:'dataset'",
    ),
    (
        "http://cs231n.github.io/",
        "CS231n: Convolutional Neural Networks for Visual Recognition by Andrej Karpathy",
        "",
        "Courses",
        "course",
        "words:'course code'",  # the anchor's "CS231n" says so before the section does
    ),
    (
        "https://medium.com/@karpathy/yes-you-should-understand-backprop-e2f06eab496b",
        "Yes you should understand backprop",
        "by Andrej Karpathy",
        "Technical",
        "article",
        "default:blog-like",
    ),
    (
        "http://karpathy.github.io/2015/05/21/rnn-effectiveness/",
        "The Unreasonable Effectiveness of Recurrent Neural Networks",
        "by Andrej Karpathy",
        "General",
        "article",
        "default:blog-like",
    ),
    ("http://www.deepexcel.net/", "Deep Spreadsheets with ExcelNet", "", None, "other", "default"),
]


# (url, anchor, context, section, kind, rule): which source of evidence wins over which.
PRECEDENCE = [
    # a precise URL beats the author's word: this PDF mirror is a repository
    (
        "https://github.com/HFTrader/DeepLearningBook",
        "the Deep Learning book as PDF",
        "",
        "Books",
        "code repository",
        "url:github.com repository",
    ),
    # an anchor word beats a likely URL guess (Amazon usually means a book)
    (
        "https://www.amazon.com/dp/B01N0JLIJ6",
        "video course",
        "",
        None,
        "course",
        "words:'course'",
    ),
    # the anchor beats the context
    (
        "http://yann.lecun.com/exdb/mnist/",
        "MNIST dataset",
        "see the book for details",
        None,
        "dataset",
        "words:'dataset'",
    ),
    # the context beats a loose URL hint
    (
        "https://github.com/stared",
        "Piotr Migdał",
        "my library of tools",
        None,
        "library",
        "context:'library'",
    ),
    # a loose URL hint beats the section
    (
        "https://github.com/stared",
        "Piotr Migdał",
        "",
        "Datasets",
        "code repository",
        "url:code host",
    ),
    # the section beats the defaults
    ("http://www.deepexcel.net/", "ExcelNet", "", "Datasets", "dataset", "section:'Datasets'"),
    (
        "https://medium.com/@x/post-1",
        "A post",
        "",
        "Frameworks",
        "library",
        "section:'Frameworks'",
    ),
]


@pytest.mark.parametrize(("url", "anchor", "context", "section", "kind", "rule"), GUIDE_LINKS)
def test_classify_guide_links(
    url: str, anchor: str, context: str, section: str | None, kind: str, rule: str
) -> None:
    decision = classify(url, anchor, context, section)
    assert (decision.kind, decision.rule) == (kind, rule)


@pytest.mark.parametrize(
    ("rule_pattern", "confidence"),
    [
        (r"url:(youtube|arxiv|\*\.ipynb|github\.com repository|docs|wikipedia).*", 0.9),
        (r"words:.*", 0.8),
        (r"url:gist\.github\.com", 0.7),
        (r"context:.*", 0.6),
        (r"url:(path .*|academic pdf)", 0.5),
        (r"section:.*", 0.4),
        (r"default:blog-like", 0.3),
        (r"default", 0.1),
    ],
)
def test_confidence_tiers(rule_pattern: str, confidence: float) -> None:
    decisions = [classify(*link[:4]) for link in GUIDE_LINKS + PRECEDENCE]
    matching = [d for d in decisions if re.fullmatch(rule_pattern, d.rule)]
    assert matching, f"no guide link is decided by {rule_pattern!r}"
    assert {d.confidence for d in matching} == {confidence}


@pytest.mark.parametrize(("url", "anchor", "context", "section", "kind", "rule"), PRECEDENCE)
def test_precedence(
    url: str, anchor: str, context: str, section: str | None, kind: str, rule: str
) -> None:
    decision = classify(url, anchor, context, section)
    assert (decision.kind, decision.rule) == (kind, rule)


@pytest.mark.parametrize(
    ("anchor", "context", "kind", "rule"),
    [
        # specific phrases are read before generic words
        ("Neural Networks Demystified - video series", "", "video", "words:'video series'"),
        ("CS231n lecture videos", "", "video", "words:'lecture videos'"),
        (
            "Immersive Linear Algebra",
            "a linear algebra book with fully interactive figures",
            "book",
            "context:'book'",
        ),
        # a "guide" is an explainer, as the annotated guides' experts have it, not a tutorial
        (
            "A Visual and Interactive Guide to the Basics of Neural Networks",
            "",
            "article",
            "words:'article'",
        ),
        ("A step-by-step tutorial on interactive plots", "", "tutorial", "words:'tutorial'"),
        ("François Chollet's tweet", "", "social post", "words:'tweet'"),
        ("interactive figures", "", "interactive demo", "words:'interactive'"),
        ("Keras", "a high-level neural network library in Python", "library", "context:'library'"),
        ("Jupyter Notebook", "", "notebook", "words:'notebook'"),
        # words must be whole words and not idioms
        ("Facebook", "", "other", "default"),
        ("notebooks of course", "", "notebook", "words:'notebook'"),
        ("ExcelNet", "Of course, it is only a proof-of-principle solution", "other", "default"),
    ],
)
def test_word_rules(anchor: str, context: str, kind: str, rule: str) -> None:
    decision = classify("http://www.deepexcel.net/", anchor, context, None)
    assert (decision.kind, decision.rule) == (kind, rule)


def test_anchor_that_is_the_url_itself_is_not_a_description() -> None:
    # as in the guide's "[twitter.com/fastml_extra](https://twitter.com/fastml_extra)"
    url = "http://yaroslavvb.blogspot.com/2011/09/notmnist-dataset.html"
    for anchor in (url, "yaroslavvb.blogspot.com/2011/09/notmnist-dataset.html"):
        decision = classify(url, anchor, "", None)
        assert (decision.kind, decision.rule) == ("dataset", "url:path 'dataset'")
    decision = classify("http://www.deepexcel.net/", "", "see https://example.com/book-list", None)
    assert decision.rule == "default"


@pytest.mark.parametrize("link", GUIDE_LINKS)
def test_every_decision_is_in_the_vocabulary(link: tuple) -> None:
    decision = classify(*link[:4])
    assert decision.kind in KINDS
    assert 0.0 <= decision.confidence <= 1.0


def test_classify_handles_links_that_are_not_web_urls() -> None:
    assert classify("/imgs/a.png", "", "", None) == KindDecision("other", "url:image", 0.9)
    assert classify("/about", "", "", None) == KindDecision("other", "default", 0.1)
    assert classify("notes.ipynb", "", "", None).kind == "notebook"
    assert classify("http://[::1", "a dataset", "", None).rule == "words:'dataset'"


def test_kind_decision_is_validated_and_frozen() -> None:
    with pytest.raises(ValueError):
        KindDecision("podcast", "url:x", 0.9)
    with pytest.raises(ValueError):
        KindDecision("video", "url:x", 1.5)
    decision = KindDecision("video", "url:x", 0.9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.kind = "book"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("url", "anchor", "context", "access"),
    [
        (
            "https://www.manning.com/books/deep-learning-with-python",
            "Deep Learning with Python",
            "",
            "paid",
        ),
        (
            "https://www.manning.com/books/deep-learning-with-python",
            "",
            "read it for free online",
            "paid",
        ),
        (
            "https://www.amazon.com/genesis-development-scientific-ludwik-fleck/dp/0226253252/",
            "",
            "",
            "paid",
        ),
        ("https://www.amazon.co.uk/dp/0262035618", "", "", "paid"),
        ("http://shop.oreilly.com/product/0636920052289.do", "", "", "paid"),
        ("https://arxiv.org/abs/1508.06576", "", "", "free"),
        ("https://github.com/leriomaggio/deep-learning-keras-tensorflow", "", "", "free"),
        ("https://www.youtube.com/watch?v=flzGjnJLyS0", "", "", "free"),
        ("https://en.wikipedia.org/wiki/Sigmoid_function", "", "", "free"),
        ("http://karpathy.github.io/2015/05/21/rnn-effectiveness/", "", "", "free"),
        ("http://distill.pub/2017/momentum/", "", "", "free"),
        (
            "http://neuralnetworksanddeeplearning.com/",
            "Neural Networks and Deep Learning",
            "a free online book by Michael Nielsen",
            "free",
        ),
        ("http://www.scipy-lectures.org/", "", "an open-access collection of tutorials", "free"),
        ("http://www.deeplearningbook.org/", "Deep Learning, An MIT Press book", "", "unknown"),
        ("https://aws.amazon.com/ec2/", "Amazon EC2", "", "unknown"),
        ("http://www.deepexcel.net/", "", "feel free to open it in Excel", "unknown"),
        ("https://example.com/course", "", "start a free trial", "unknown"),
        ("https://example.com/model", "", "the number of free parameters", "unknown"),
        ("https://example.com/article", "", "behind a paywall", "paid"),
        ("https://example.com/article", "Great article (paid)", "free to share", "paid"),
    ],
)
def test_classify_access(url: str, anchor: str, context: str, access: str) -> None:
    assert classify_access(url, anchor, context) == access


# The two kinds added with the learned model: slides and notes of lectures, lists of links.
NEW_KINDS = [
    (
        "http://cs231n.stanford.edu/slides/2017/cs231n_2017_lecture4.pdf",
        "Backpropagation and Neural Networks",
        "",
        None,
        "lecture notes",
        "url:lecture slides",
    ),
    (
        "https://www.slideshare.net/AlfredPong1/deep-learning-a-nontechnical-introduction-69385936",
        "Deep Learning - A Non-Technical Introduction",
        "",
        None,
        "lecture notes",
        "url:slide host",
    ),
    (
        "http://www.cs.waikato.ac.nz/ml/weka/Slides3rdEd_Ch1-5.zip",
        "Slides for Chapters 1-5 (zip)",
        "",
        "Practical Books",
        "lecture notes",
        "words:'slides'",
    ),
    (
        "https://github.com/josephmisiti/awesome-machine-learning",
        "Awesome Machine Learning",
        "",
        "Resources",
        "link collection",
        "url:github.com awesome list",
    ),
    (
        "https://medium.com/tag/deep-learning",
        "Deep learning",
        "",
        "Resources",
        "link collection",
        "url:listing page",
    ),
    (
        "https://ragle.sanukcode.net/articles/machine-learning-self-study-resources/",
        "Machine Learning Self-study Resources",
        "",
        "Resources",
        "link collection",
        "words:'resources'",
    ),
    (
        "https://www.analyticsvidhya.com/blog/2016/10/16-new-must-watch-tutorials-courses-on-machine-learning/",
        "16 New Must Watch Tutorials, Courses on Machine Learning",
        "",
        "Video Series",
        "link collection",
        "words:'list'",
    ),
]


@pytest.mark.parametrize(("url", "anchor", "context", "section", "kind", "rule"), NEW_KINDS)
def test_new_kinds(
    url: str, anchor: str, context: str, section: str | None, kind: str, rule: str
) -> None:
    decision = classify(url, anchor, context, section)
    assert (decision.kind, decision.rule) == (kind, rule)


def test_a_sentence_about_resources_does_not_make_each_link_a_list() -> None:
    decision = classify("http://www.deepexcel.net/", "ExcelNet", "Here are some resources:", None)
    assert decision.kind != "link collection"


@pytest.mark.parametrize(
    ("url", "anchor", "context", "kind", "rule"),
    [
        # a paper's citation in the sentence, where the URL says only "a PDF at a university"
        (
            "http://www.cs.toronto.edu/~hinton/absps/ncfast.pdf",
            "deep belief nets",
            'Hinton, Geoffrey E., Simon Osindero, and Yee-Whye Teh. "A fast learning algorithm'
            ' for deep belief nets." Neural computation 18.7 (2006): 1527-1554.',
            "paper",
            "context:'citation'",
        ),
        # a reading list's "[pdf]" link after a reference, on any host
        (
            "http://www.cv-foundation.org/openaccess/content_cvpr_2015/papers/Szegedy_Going_Deeper_With_2015_CVPR_paper.pdf",
            "[pdf]",
            "[pdf] (GoogLeNet) :star::star::star:",
            "paper",
            "words:'pdf'",
        ),
        # a course by its length, as curricula list them
        (
            "coursepages/intro-cs/README.md",
            "Introduction to Computer Science and Programming using Python",
            "Introduction to Computer Science and Programming using Python 14 weeks 6-10"
            " hours/week",
            "course",
            "context:'course length'",
        ),
        (
            "https://www.edx.org/learn/databases/stanford-university-databases-modeling-and-theory",
            "Databases: Modeling and Theory",
            "",
            "course",
            "url:course platform",
        ),
        (
            "https://www.reddit.com/r/MachineLearning/",
            "/r/MachineLearning",
            "",
            "social post",
            "url:forum",
        ),
        (
            "https://www.quora.com/How-do-I-learn-machine-learning-1",
            "How do I learn machine learning?",
            "",
            "social post",
            "url:Q&A question",
        ),
        (
            "https://www.quora.com/Can-I-learn-ML/answer/Drac-Smith",
            "Drac Smith",
            "",
            "article",
            "url:Q&A answer",
        ),
        (
            "https://soundcloud.com/nssd-podcast",
            "Not So Standard Deviation",
            "",
            "other",
            "url:podcast host",
        ),
    ],
)
def test_url_and_word_rules_of_the_study_guides(
    url: str, anchor: str, context: str, kind: str, rule: str
) -> None:
    decision = classify(url, anchor, context, None)
    assert (decision.kind, decision.rule) == (kind, rule)


def test_the_model_decides_where_no_rule_does() -> None:
    # a linguistics-olympiad problem: no rule knows the host, TutorialBank does
    url = "https://www.nacloweb.org/resources/problems/2019/N2019-F.pdf"
    decision = classify(url, "Harmongolia", "", None)
    assert (decision.kind, decision.rule) == ("other", "model")
    assert MODEL_WEIGHT / 2 <= decision.confidence <= MODEL_WEIGHT  # below every rule's tier
    # where the model is unsure too, the default says so
    assert classify("http://www.deepexcel.net/", "ExcelNet", "", None).rule == "default"


_RULE_NAMES = re.compile(r"url:.+|words:'.+'|context:'.+'|section:'.*'|default(:blog-like)?|model")


_DECIDED_BY_THE_MODEL = [("https://www.nacloweb.org/resources/problems/2019/N2019-F.pdf", "", "")]


@pytest.mark.parametrize("link", GUIDE_LINKS + PRECEDENCE + NEW_KINDS + _DECIDED_BY_THE_MODEL)
def test_every_decision_names_its_rule_and_confidence(link: tuple) -> None:
    decision = classify(*link[:4])
    assert _RULE_NAMES.fullmatch(decision.rule), decision.rule
    assert 0.0 < decision.confidence <= 1.0
    assert decision.kind in KINDS


# The learned model (kb.extraction.kind_model): what ships, and what training produces.


def test_shipped_model_loads_once_and_speaks_our_vocabulary() -> None:
    model = kind_model.load()
    assert kind_model.load() is model  # read once per process
    assert set(model.classes) == set(kind_model.MEDIUM_KINDS.values())
    assert set(model.classes) <= set(KINDS)
    assert {"lecture notes", "paper", "tutorial", "article"} <= set(model.classes)
    size = resources.files("kb").joinpath(kind_model.MODEL_FILE).stat().st_size
    assert size < 5_000_000


def test_media_map_onto_our_kinds() -> None:
    assert set(kind_model.MEDIUM_KINDS.values()) <= set(KINDS)
    assert kind_model.MEDIUM_KINDS["Lectures"] == "lecture notes"
    assert kind_model.MEDIUM_KINDS["NACLO Problems"] == "other"


@pytest.mark.parametrize(
    ("url", "title", "kind"),
    [
        (
            "https://web.stanford.edu/class/cs224n/slides/cs224n-2019-lecture01-wordvecs1.pdf",
            "Introduction and Word Vectors",
            "lecture notes",
        ),
        (
            "https://www.cs.cmu.edu/~tom/10701_sp11/slides/MLE_MAP_1-18-11.pdf",
            "MLE and MAP",
            "lecture notes",
        ),
        ("https://arxiv.org/abs/1706.03762", "Attention Is All You Need", "paper"),
        (
            "https://towardsdatascience.com/understanding-gru-networks-2ef37df6c9be",
            "Understanding GRU networks",
            "article",
        ),
        ("https://github.com/explosion/spaCy", "spaCy: Industrial-strength NLP", "library"),
        (
            "https://www.nacloweb.org/resources/problems/2020/N2020-Q.pdf",
            "Cut to the Chase",
            "other",
        ),
    ],
)
def test_model_predicts_clear_cases(url: str, title: str, kind: str) -> None:
    predicted, probability = kind_model.load().predict(url, title)
    assert predicted == kind
    assert 0.8 < probability <= 1.0


def test_model_rejects_a_file_of_another_format() -> None:
    data = json.loads(resources.files("kb").joinpath(kind_model.MODEL_FILE).read_text("utf-8"))
    with pytest.raises(ValueError, match="format"):
        kind_model.KindModel.from_json({**data, "format": kind_model.FORMAT + 1})


def test_tutorialbank_rows_with_an_unknown_medium_are_skipped(tmp_path: Path) -> None:
    header = "id\ttitle\turl\ttopic_name\ttopic_id\tauthor\tmedium\tvenue\tyear\n"
    rows = [
        "1\tSlides\thttp://a.edu/l1.pdf\tNLP\t1\tX\tLectures\tV\t2017\n",
        '2\tBroken "row\thttp://b.org/\tNLP\t1\tX\tR. L. Petruck"\tV\t2017\n',
        "3\tBook\thttp://c.org/\tNLP\t1\tX\tbook\tV\t2017\n",
    ]
    path = tmp_path / "resources.tsv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    examples = kind_model.read_tutorialbank(path)
    assert [(e.url, e.kind) for e in examples] == [
        ("http://a.edu/l1.pdf", "lecture notes"),
        ("http://c.org/", "book"),
    ]


def test_the_held_out_part_follows_the_canonical_url() -> None:
    spellings = ["http://www.Example.com/a/", "https://example.com/a", "example.com/a#top"]
    assert len({kind_model.is_held_out(url) for url in spellings}) == 1


@needs_tutorialbank
def test_training_produces_the_shipped_format_and_learns() -> None:
    examples = kind_model.read_tutorialbank(TUTORIALBANK)
    held_out = [e for e in examples if kind_model.is_held_out(e.url)]
    assert 0.18 < len(held_out) / len(examples) < 0.22
    training = [e for e in examples if not kind_model.is_held_out(e.url)][::6]  # ~2,000 rows
    model = kind_model.train(training, kept_features=5_000)
    accuracy, table = kind_model.evaluate(model, held_out[::3])
    assert accuracy > 0.7  # the most frequent kind is half of them
    assert "lecture notes" in table

    produced = model.to_json()
    shipped = json.loads(resources.files("kb").joinpath(kind_model.MODEL_FILE).read_text("utf-8"))
    assert produced.keys() == shipped.keys()
    assert produced["format"] == shipped["format"] == kind_model.FORMAT
    assert set(produced["classes"]) == set(shipped["classes"])
    assert [(f["field"], f["analysis"]) for f in produced["fields"]] == [
        (f["field"], f["analysis"]) for f in shipped["fields"]
    ]
    for data in (produced, shipped):
        assert len(data["coef"]) == len(data["classes"]) == len(data["intercept"])
        assert {len(row) for row in data["coef"]} == {sum(len(f["terms"]) for f in data["fields"])}
        assert all(len(f["terms"]) == len(f["idf"]) for f in data["fields"])

    # what is written is what was trained, to the JSON's rounding
    urls, titles = [e.url for e in held_out[:200]], [e.title for e in held_out[:200]]
    reloaded = kind_model.KindModel.from_json(json.loads(json.dumps(produced)))
    assert reloaded.probabilities(urls, titles) == pytest.approx(
        model.probabilities(urls, titles), abs=1e-3
    )


def test_a_url_in_the_sentence_is_cut_from_its_scheme_not_from_its_word():
    url = "http://norvig.com/spell-correct.html"
    decided = classify(url, url, f"How to Write a Spelling Corrector (Tutorial)[{url}]")
    assert (decided.kind, decided.rule) == ("tutorial", "context:'tutorial'")


def test_a_university_page_of_a_course_is_a_course():
    for url in ("https://web.stanford.edu/class/cs229/", "https://seas.upenn.edu/~cis194/fall16"):
        assert classify(url, "home page", "").kind == "course"
    assert classify("https://web.stanford.edu/class/cs229/notes.pdf", "notes", "").kind != "course"
