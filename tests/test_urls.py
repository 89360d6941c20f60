"""URL keys, schemes and display forms, checked against links from the 2017 deep-learning guide."""

import itertools

import pytest

from kb.urls import (
    add_missing_scheme,
    best_display_url,
    is_web_url,
    normalize_url,
    url_case_key,
)

# Links as they appear in the guide drafts, the KDnuggets reprint and the lynx dump.
GUIDE_URLS = [
    "https://www.youtube.com/watch?v=flzGjnJLyS0",
    "https://www.youtube.com/playlist?list=PLLvH2FwAQhnpj1WEB-jHmPuUeQ8mX-XXG",
    "http://lumiverse.io/series/neural-networks-demystified",
    "https://github.com/stared/keras-mini-examples/blob/master/mnist_simple.ipynb",
    "https://github.com/wxs/keras-mnist-tutorial/blob/master/MNIST%20in%20Keras.ipynb",
    "http://www.deeplearningbook.org/",
    "http://www.deeplearningbook.org/contents/linear_algebra.html",
    "https://arxiv.org/abs/1508.06576",
    "http://playground.tensorflow.org/",
    "https://twitter.com/fchollet/status/852194634470223873",
    "https://www.manning.com/books/deep-learning-with-python",
    "http://yann.lecun.com/exdb/mnist/",
    "https://en.wikipedia.org/wiki/Skynet_%28Terminator%29",
    "https://www.wolframalpha.com/input/?i=tanh[x]",
    "https://medium.com/@devnag/generative-adversarial-networks-gans-in-50-lines-of-code-pytorch-e81b79659e3f#.oa2ljanet",
    "http://p.migdal.pl/2016/03/15/data-science-intro-for-math-phys-background.html#python",
    "https://p.migdal.pl/2017/04/30/teaching-deep-learning.html#fn:deepsense",
    "https://www.facebook.com/kaggle/photos/a.10150387148668464.377856.135534208463/10155346265978464/?type=3&theater",
    "http://quantumgame.us9.list-manage.com/subscribe?u=5e3bdb13b61924c4b0ec92fba&id=6c72ded7d2",
    "https://www.kaggle.com/benhamner/d/benhamner/nips-papers/popular-datasets-over-time/code",
    "http://vllab1.ucmerced.edu/~wlai24/LapSRN/",
    "https://pinboard.in/u:pmigdal/t:deep-learning",
    "http://phdcomics.com/comics.php?n=1156",
    "https://www.cs.toronto.edu/~kriz/cifar.html",
]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # scheme, www., default port and trailing slash
        ("http://www.x.org:80/a/", "https://x.org/a"),
        ("https://arxiv.org:443/abs/1508.06576", "http://arxiv.org/abs/1508.06576"),
        ("http://www.deeplearningbook.org/", "https://deeplearningbook.org"),
        ("http://x.org/", "http://x.org"),
        ("HTTPS://Keras.IO/applications/", "https://keras.io/applications"),
        ("http://keras.io./", "http://keras.io"),
        # percent-encoding
        (
            "https://en.wikipedia.org/wiki/Skynet_%28Terminator%29",
            "https://en.wikipedia.org/wiki/Skynet_(Terminator)",
        ),
        (
            "https://en.wikipedia.org/wiki/Rectifier_%28neural_networks%29",
            "https://en.wikipedia.org/wiki/Rectifier_(neural_networks)",
        ),
        ("https://example.com/%7Euser/%41bc", "https://example.com/~user/Abc"),
        ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
        (
            "https://github.com/wxs/keras-mnist-tutorial/blob/master/MNIST%20in%20Keras.ipynb",
            "https://github.com/wxs/keras-mnist-tutorial/blob/master/MNIST in Keras.ipynb",
        ),
        (
            "https://www.wolframalpha.com/input/?i=tanh[x]",
            "https://wolframalpha.com/input?i=tanh%5bx%5d",
        ),
        ("https://de.wikipedia.org/wiki/Zürich", "https://de.wikipedia.org/wiki/Z%c3%bcrich"),
        # fragments that only scroll the page
        (
            "https://p.migdal.pl/2017/04/30/teaching-deep-learning.html#fn:deepsense",
            "https://p.migdal.pl/2017/04/30/teaching-deep-learning.html",
        ),
        (
            "http://p.migdal.pl/2016/03/15/data-science-intro-for-math-phys-background.html#python",
            "http://p.migdal.pl/2016/03/15/data-science-intro-for-math-phys-background.html"
            "#statistics-and-machine-learning",
        ),
        (
            "https://medium.com/@devnag/generative-adversarial-networks-gans-in-50-lines-of-code-pytorch-e81b79659e3f#.oa2ljanet",
            "https://medium.com/@devnag/generative-adversarial-networks-gans-in-50-lines-of-code-pytorch-e81b79659e3f",
        ),
        # tracking parameters, query order, empty query
        (
            "https://blog.keras.io/building-autoencoders-in-keras.html?utm_source=twitter&utm_medium=social",
            "https://blog.keras.io/building-autoencoders-in-keras.html",
        ),
        (
            "https://keras.io/?fbclid=a&gclid=b&dclid=c&msclkid=d&mc_cid=e&mc_eid=f&igshid=g"
            "&_hsenc=h&_hsmi=i&ref_src=twsrc&yclid=j&UTM_Campaign=k",
            "https://keras.io/",
        ),
        (
            "http://quantumgame.us9.list-manage.com/subscribe?u=5e3bdb13b61924c4b0ec92fba&id=6c72ded7d2",
            "http://quantumgame.us9.list-manage.com/subscribe?id=6c72ded7d2&u=5e3bdb13b61924c4b0ec92fba",
        ),
        ("http://phdcomics.com/comics.php?&n=1156&", "http://phdcomics.com/comics.php?n=1156"),
        ("https://keras.io/?", "https://keras.io/"),
        # hosts: IDN, IPv6, schemeless links, dot segments
        ("http://bücher.de/", "http://xn--bcher-kva.de/"),
        ("http://BÜCHER.de/", "http://bücher.de/"),
        ("http://[2001:DB8:0::1]:80/", "http://[2001:db8::1]"),
        ("www.image-net.org", "http://image-net.org/"),
        (
            "p.migdal.pl/2017/01/06/king-man-woman-queen-why.html",
            "http://p.migdal.pl/2017/01/06/king-man-woman-queen-why.html",
        ),
        ("http://x.org/a/./b/../c/", "http://x.org/a/c"),
    ],
)
def test_equivalent_urls_share_a_key(a: str, b: str) -> None:
    assert normalize_url(a) == normalize_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # case of path and query is information
        (
            "https://www.youtube.com/watch?v=flzGjnJLyS0",
            "https://www.youtube.com/watch?v=flzgjnjlys0",
        ),
        (
            "https://github.com/aymericdamien/TensorFlow-Examples/",
            "https://github.com/aymericdamien/tensorflow-examples/",
        ),
        # different resources
        (
            "https://www.youtube.com/watch?v=flzGjnJLyS0",
            "https://www.youtube.com/watch?v=ohmajjtcpnk",
        ),
        ("http://phdcomics.com/comics.php?n=1156", "http://phdcomics.com/comics.php?n=1157"),
        (
            "http://www.deeplearningbook.org/",
            "http://www.deeplearningbook.org/contents/linear_algebra.html",
        ),
        ("https://blog.keras.io/", "https://keras.io/"),
        ("https://www2.example.com/", "https://example.com/"),
        ("http://x.org:8080/a", "http://x.org/a"),
        (
            "https://p.migdal.pl/2017/04/30/p.migdal.pl/2017/01/06/king-man-woman-queen-why.html",
            "https://p.migdal.pl/2017/01/06/king-man-woman-queen-why.html",
        ),
        # escapes of characters with structural meaning stay escaped
        ("https://example.com/a%2Fb", "https://example.com/a/b"),
        ("https://example.com/s?q=a+b", "https://example.com/s?q=a%2Bb"),
        ("https://example.com/s?q=a%26b", "https://example.com/s?q=a&b"),
        # parameters that are not well-known trackers are kept; repeated names keep their order
        ("https://example.com/a?ref=home", "https://example.com/a"),
        ("https://example.com/a?source=twitter", "https://example.com/a"),
        ("https://example.com/a?x=2&x=1", "https://example.com/a?x=1&x=2"),
        # fragments that route a single-page app are kept
        ("https://example.com/#!/a", "https://example.com/#!/b"),
        ("https://example.com/#/settings", "https://example.com/"),
    ],
)
def test_different_urls_keep_different_keys(a: str, b: str) -> None:
    assert normalize_url(a) != normalize_url(b)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://www.x.org:80/a/", "https://x.org/a"),
        ("http://x.org", "https://x.org/"),
        (
            "https://en.wikipedia.org/wiki/Skynet_%28Terminator%29",
            "https://en.wikipedia.org/wiki/Skynet_(Terminator)",
        ),
        (
            "https://www.wolframalpha.com/input/?i=tanh[x]",
            "https://wolframalpha.com/input?i=tanh%5Bx%5D",
        ),
        (
            "https://www.youtube.com/watch?v=flzGjnJLyS0&utm_source=x#t=10",
            "https://youtube.com/watch?v=flzGjnJLyS0",
        ),
        ("https://example.com/app/#!/Route", "https://example.com/app#!/Route"),
        ("http://bücher.de/Straße", "https://xn--bcher-kva.de/Stra%C3%9Fe"),
        ("  https://keras.io/  ", "https://keras.io/"),
    ],
)
def test_normalize_url_exact_keys(url: str, key: str) -> None:
    assert normalize_url(url) == key


@pytest.mark.parametrize(
    "url",
    [
        "mailto:pmigdal@gmail.com",
        "/imgs/2017-04-17-learning-deep-learning/deep_learning_meme_keras.png",
        "notes.html",
        "#fn:deepsense",
        'javascript:window.location="http://news.ycombinator.com/submitlink"',
        "http://x.org:notaport/",
    ],
)
def test_normalize_url_leaves_non_web_links_alone(url: str) -> None:
    assert normalize_url(url) == url


@pytest.mark.parametrize("url", GUIDE_URLS)
def test_normalize_url_is_idempotent_and_https(url: str) -> None:
    key = normalize_url(url)
    assert key.startswith("https://")
    assert normalize_url(key) == key


@pytest.mark.parametrize(
    ("lynx", "original"),
    [
        (
            "https://www.youtube.com/watch?v=flzgjnjlys0",
            "https://www.youtube.com/watch?v=flzGjnJLyS0",
        ),
        (
            "https://en.wikipedia.org/wiki/skynet_(terminator)",
            "https://en.wikipedia.org/wiki/Skynet_%28Terminator%29",
        ),
        ("https://www.reddit.com/r/machinelearning/", "https://www.reddit.com/r/MachineLearning/"),
        (
            "https://github.com/aymericdamien/tensorflow-examples/",
            "https://github.com/aymericdamien/TensorFlow-Examples/",
        ),
        (
            "http://vllab1.ucmerced.edu/~wlai24/lapsrn/",
            "http://vllab1.ucmerced.edu/~wlai24/LapSRN/",
        ),
        (
            "https://web.stanford.edu/group/shr/4-2/text/hofstadter.html",
            "https://web.stanford.edu/group/SHR/4-2/text/hofstadter.html",
        ),
        (
            "https://www.wolframalpha.com/input/?i=tanh[x]",
            "https://www.wolframalpha.com/input/?i=tanh%5Bx%5D",
        ),
    ],
)
def test_url_case_key_matches_lower_cased_dump(lynx: str, original: str) -> None:
    assert url_case_key(lynx) == url_case_key(original)


def test_url_case_key_still_tells_resources_apart() -> None:
    # The lynx dump replaced "rnn" by a token: a different URL, and it must not match.
    assert url_case_key("http://karpathy.github.io/2015/05/21/id56-effectiveness/") != url_case_key(
        "http://karpathy.github.io/2015/05/21/rnn-effectiveness/"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "p.migdal.pl/2017/01/06/king-man-woman-queen-why.html",
            "http://p.migdal.pl/2017/01/06/king-man-woman-queen-why.html",
        ),
        ("www.image-net.org", "http://www.image-net.org"),
        ("www.example.com/a", "http://www.example.com/a"),
        ("pinboard.in/u:pmigdal/t:deep-learning", "http://pinboard.in/u:pmigdal/t:deep-learning"),
        ("keras.io#installation", "http://keras.io#installation"),
        ("example.com:8080/a", "http://example.com:8080/a"),
        ("//cdn.example.com/lib.js", "http://cdn.example.com/lib.js"),
        ("bücher.de/katalog", "http://bücher.de/katalog"),
        # unchanged
        ("https://keras.io/", "https://keras.io/"),
        ("/imgs/a.png", "/imgs/a.png"),
        ("imgs/deep_learning_meme_keras.png", "imgs/deep_learning_meme_keras.png"),
        ("notes.html", "notes.html"),
        ("README.md", "README.md"),
        ("mnist_simple.ipynb", "mnist_simple.ipynb"),
        ("../index.html", "../index.html"),
        ("#fn:deepsense", "#fn:deepsense"),
        ("mailto:pmigdal@gmail.com", "mailto:pmigdal@gmail.com"),
        ("localhost:8000/a", "localhost:8000/a"),
        ("192.168.0.1/a", "192.168.0.1/a"),
        ("", ""),
    ],
)
def test_add_missing_scheme(url: str, expected: str) -> None:
    assert add_missing_scheme(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://keras.io/", True),
        ("http://torch.ch/", True),
        ("HTTP://Torch.ch", True),
        ("http://[2001:db8::1]/", True),
        ("p.migdal.pl/2017/01/06/king-man-woman-queen-why.html", False),
        ("mailto:pmigdal@gmail.com", False),
        ('javascript:window.location="http://news.ycombinator.com/"', False),
        ("/imgs/a.png", False),
        ("ftp://ftp.example.com/data.csv", False),
        ("http://", False),
        ("https:///path-only", False),
        ("http://[::1", False),
    ],
)
def test_is_web_url(url: str, expected: bool) -> None:
    assert is_web_url(url) is expected


@pytest.mark.parametrize(
    ("candidates", "best"),
    [
        # https over http
        (["http://distill.pub/", "https://distill.pub/"], "https://distill.pub/"),
        # mixed case over a lower-cased copy, even when the copy is https
        (
            [
                "https://www.youtube.com/watch?v=flzgjnjlys0",
                "https://www.youtube.com/watch?v=flzGjnJLyS0",
            ],
            "https://www.youtube.com/watch?v=flzGjnJLyS0",
        ),
        (
            [
                "https://www.reddit.com/r/machinelearning/",
                "http://www.reddit.com/r/MachineLearning/",
            ],
            "http://www.reddit.com/r/MachineLearning/",
        ),
        # case of the host or of hex digits in escapes carries no information
        (["https://WWW.Keras.io/", "https://keras.io/"], "https://keras.io/"),
        (
            [
                "https://www.wolframalpha.com/input/?i=tanh%5Bx%5D",
                "https://www.wolframalpha.com/input/?i=tanh[x]",
            ],
            "https://www.wolframalpha.com/input/?i=tanh[x]",
        ),
        # a scroll-only fragment loses even to a longer clean form
        (
            ["https://tensorflow.org/install#gpu", "https://www.tensorflow.org/install/"],
            "https://www.tensorflow.org/install/",
        ),
        (
            [
                "https://blog.keras.io/building-autoencoders-in-keras.html?utm_source=twitter",
                "https://blog.keras.io/building-autoencoders-in-keras.html",
            ],
            "https://blog.keras.io/building-autoencoders-in-keras.html",
        ),
        # then the shortest, then the lexicographically first
        (["https://www.keras.io/", "https://keras.io/"], "https://keras.io/"),
        (["https://keras.io/a/", "https://Keras.io/a/"], "https://Keras.io/a/"),
    ],
)
def test_best_display_url(candidates: list[str], best: str) -> None:
    for order in itertools.permutations(candidates):
        assert best_display_url(order) == best


def test_best_display_url_accepts_any_iterable_and_rejects_none() -> None:
    assert best_display_url(u for u in [" https://keras.io/ "]) == "https://keras.io/"
    with pytest.raises(ValueError):
        best_display_url([])
