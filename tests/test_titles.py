"""kb.extraction.titles: the title a resource is shown by, from what its mentions call it."""

import pytest

from kb.extraction.titles import Named, best_title, is_meaningless

PLAYLIST = "https://www.youtube.com/playlist?list=PLZHQObOWTQDNU6R1_67000Dx_ZCJB-3pi"


def named(anchor: str, context: str = "", *, inferred: bool = False) -> Named:
    return Named(anchor, context, inferred)


@pytest.mark.parametrize(
    ("mentions", "url", "title"),
    [
        # An exact anchor beats an inferred one, even one seen more often.
        (
            [named("neural networks by 3blue1brown", inferred=True)] * 2
            + [named("Neural Networks")],
            PLAYLIST,
            "Neural Networks",
        ),
        # An anchor some edition wrote exactly is exact, also where another inferred it.
        (
            [named("Deep Learning", inferred=True), named("Deep Learning")]
            + [named("The Deep Learning Book", inferred=True)] * 3,
            PLAYLIST,
            "Deep Learning",
        ),
        # A descriptive anchor beats a lone word, however often that is written.
        ([named("Keras"), named("Keras"), named("Keras docs")], PLAYLIST, "Keras docs"),
        # Then the most frequent, the longest, the first alphabetically.
        (
            [named("Keras docs"), named("Keras docs"), named("Keras API docs")],
            PLAYLIST,
            "Keras docs",
        ),
        ([named("B title"), named("A title")], PLAYLIST, "A title"),
        # "here" never wins, however often; a weak anchor loses to a real title.
        ([named("here"), named("here"), named("Deep Book", inferred=True)], PLAYLIST, "Deep Book"),
        (
            [named("its videos"), named("Neural Networks Demystified", inferred=True)],
            PLAYLIST,
            "Neural Networks Demystified",
        ),
        ([named("its videos")], PLAYLIST, "its videos"),  # weak, but better than nothing
        # A long guess at an anchor's end, from a text dump, is likely the sentence.
        (
            [
                named(
                    "a network for digit recognition it might look like: operation data",
                    inferred=True,
                )
            ],
            "https://github.com/fchollet/keras/blob/master/examples/mnist_cnn.py",
            "mnist cnn (github.com)",
        ),
        # A person's name says who, not what: a title quoted beside the link says more.
        (
            [
                named(
                    "Andrej Karpathy", 'Andrej Karpathy wrote "A Recipe for Training Neural Nets".'
                )
            ],
            "https://karpathy.github.io/2019/04/25/recipe/",
            "A Recipe for Training Neural Nets",
        ),
        # A lone word, or no anchor that says anything: the URL's words, with the site.
        (
            [named("Keras")],
            "https://keras.io/getting_started/intro_to_keras_for_engineers/",
            "intro to keras for engineers (keras.io)",
        ),
        (
            [named("here"), named("click here"), named("PDF")],
            "https://example.com/deep-learning_book.pdf",
            "deep learning book (example.com)",
        ),
        ([named("Keras")], "https://keras.io/", "Keras"),  # the URL says nothing better
        ([], "https://keras.io/", "keras.io"),
        (
            [named("https://example.com/my-notes.html")],
            "https://example.com/my-notes.html",
            "my notes (example.com)",
        ),
    ],
)
def test_best_title(mentions, url, title):
    assert best_title(mentions, url) == title


@pytest.mark.parametrize(
    ("anchor", "meaningless"),
    [
        ("here", True),
        ("click here", True),
        ("alternative", True),
        ("", True),
        ("PDF", True),
        ("Keras", False),
    ],
)
def test_meaningless_anchors(anchor, meaningless):
    assert is_meaningless(anchor) is meaningless
