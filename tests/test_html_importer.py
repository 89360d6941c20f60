"""HtmlImporter on the CNN study-guide post (tests/data/posts) and on small inline pages."""

import json
from pathlib import Path

import pytest

from importers.html import HtmlImporter
from kb.errors import InputError

POSTS = Path(__file__).parent / "data" / "posts"
HTML_POST = POSTS / "cnn-study-guide.html"
EXPECTED = json.loads((POSTS / "expected.json").read_text(encoding="utf-8"))["cnn-study-guide.html"]
GUIDES = Path(__file__).resolve().parents[2] / "shared" / "guides"
MARKDOWN_GUIDE = GUIDES / "learning-deep-learning-2017" / "blog-draft-2017-04-18.md"
PAGE_URL = "https://blog.example.org/2020/01/post/"


def parse(html: str, origin: str = PAGE_URL):
    return HtmlImporter().parse(html, origin)


def page(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


@pytest.fixture(scope="module")
def post_text() -> str:
    return HTML_POST.read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=["file", "url"])
def post(request, post_text):
    """The post parsed from its file path (base from rel=canonical) and from its page URL."""
    origin = str(HTML_POST) if request.param == "file" else EXPECTED["page_url"]
    return HtmlImporter().parse(post_text, origin)


# --- the study-guide post ----------------------------------------------------------------------


def test_post_links_are_exactly_the_article_links(post):
    urls = [link.url for link in post.links]
    assert set(urls) == set(EXPECTED["content_urls"])
    assert list(dict.fromkeys(urls)) == EXPECTED["content_urls"]  # document order


def test_post_imports_no_navigation_share_sidebar_or_footer_link(post):
    urls = {link.url for link in post.links}
    assert not urls & set(EXPECTED["excluded_urls"])
    assert not any("example.org/tags/" in url or "sharer" in url for url in urls)


def test_post_keeps_url_variants_as_written(post):
    urls = {link.url for link in post.links}
    assert {"https://github.com/keras-team/keras", "https://github.com/keras-team/keras/"} <= urls
    assert {"https://www.deeplearningbook.org/", "https://deeplearningbook.org"} <= urls
    assert "https://course.fast.ai/?utm_source=newsletter&utm_medium=email" in urls


def test_post_resolves_relative_links_against_the_page_url(post):
    assert "https://notes.example.org/2018/09/convolution-by-hand/" in {
        link.url for link in post.links
    }
    assert post.metadata["base_url"] == EXPECTED["page_url"]


def test_post_title_author_date(post):
    assert post.format == "html"
    assert post.title == EXPECTED["title"]
    assert post.author == EXPECTED["author"]
    assert post.date == EXPECTED["date"]
    assert post.metadata["container"] == "article"


def test_post_sections_and_levels(post):
    assert [section.title for section in post.sections] == EXPECTED["sections"]
    assert [section.level for section in post.sections] == EXPECTED["section_levels"]
    assert [section.position for section in post.sections] == list(range(len(post.sections)))
    assert EXPECTED["title"] not in [section.title for section in post.sections]


def test_post_paragraphs_carry_their_section(post):
    by_text = {paragraph.text: paragraph for paragraph in post.paragraphs}
    prerequisite = next(t for t in by_text if t.startswith("Before convolutional networks"))
    assert post.section_title(by_text[prerequisite].section) == "Prerequisites"
    mnist = next(t for t in by_text if t.startswith("I recommend starting with MNIST"))
    assert post.section_title(by_text[mnist].section) == "Datasets"
    assert by_text[next(iter(by_text))].section is None  # the introduction precedes any heading
    for link in post.links:
        assert link.section == post.paragraphs[link.paragraph].section


def test_post_prerequisite_sentences_are_plain_text(post):
    text = "\n".join(paragraph.text for paragraph in post.paragraphs)
    for sentence in (
        "Before convolutional networks, you need to understand the basics of neural networks.",
        "Transfer learning requires a good grasp of convolutional networks.",
        "I recommend starting with MNIST before moving on to CIFAR-10.",
        "It is good to understand linear algebra, which is a building block of every layer.",
    ):
        assert sentence in text
    assert "Yann LeCun’s LeNet paper" in text
    assert "Łukasz" in text
    # footnote markers do not stick to the word before them, back-references leave no arrow
    assert "you can run." in text
    assert "↩" not in text
    # nothing of the chrome
    for chrome in ("Share this post", "Related posts", "Subscribe via RSS", "Archive", "Tags:"):
        assert chrome not in text


def test_post_footnotes(post):
    footnotes = [paragraph for paragraph in post.paragraphs if paragraph.kind == "footnote"]
    assert len(footnotes) == 2
    assert footnotes[1].text.startswith("Thanks to Łukasz")
    footnote_links = [
        link for link in post.links if post.paragraphs[link.paragraph].kind == "footnote"
    ]
    assert [link.url for link in footnote_links] == EXPECTED["footnote_urls"]


def test_post_paragraph_kinds(post):
    kinds = {paragraph.kind for paragraph in post.paragraphs}
    assert kinds == {"paragraph", "item", "quote", "footnote"}
    quote = next(paragraph for paragraph in post.paragraphs if paragraph.kind == "quote")
    assert quote.text.startswith("The best way to understand a convolutional layer")


def test_post_link_anchor_and_context(post):
    for link in post.links:
        assert link.anchor
        assert link.anchor in link.context
        assert link.context in post.paragraphs[link.paragraph].text
    by_url = {link.url: link for link in post.links}
    mnist = by_url["http://yann.lecun.com/exdb/mnist/"]
    assert mnist.anchor == "MNIST"
    assert mnist.context == "MNIST is 70,000 handwritten digits in grey scale."
    notebook = by_url[EXPECTED["content_urls"][24]]
    assert notebook.url.endswith(".ipynb")
    assert notebook.anchor == "5.1-introduction-to-convnets.ipynb"


# --- inline pages ------------------------------------------------------------------------------


def test_relative_links_resolve_against_an_http_origin():
    doc = parse(
        page(
            "<article><p>See <a href='../older/'>the older post</a>, "
            "<a href='/about/'>the about page</a> and <a href='notes.html'>my notes</a>.</p>"
            "<p>Also <a href='//cdn.example.com/paper.pdf'>a paper</a>.</p></article>"
        )
    )
    assert [link.url for link in doc.links] == [
        "https://blog.example.org/2020/01/older/",
        "https://blog.example.org/about/",
        "https://blog.example.org/2020/01/post/notes.html",
        "https://cdn.example.com/paper.pdf",
    ]


def test_base_href_wins_over_the_origin():
    doc = parse(
        page(
            "<p>Read <a href='intro.html'>the introduction</a> first.</p>",
            head="<base href='https://mirror.example.net/guide/'>",
        )
    )
    assert [link.url for link in doc.links] == ["https://mirror.example.net/guide/intro.html"]


def test_relative_links_stay_as_written_without_any_page_url():
    doc = parse(page("<p>Read <a href='intro.html'>the introduction</a>.</p>"), "saved.html")
    assert [link.url for link in doc.links] == ["intro.html"]


def test_fragment_javascript_mailto_tel_and_empty_links_are_skipped():
    doc = parse(
        page(
            "<article><h2 id='a'>Links <a class='anchor' href='#a'>#</a></h2>"
            "<p>Jump to <a href='#datasets'>the datasets</a>, "
            f"<a href='{PAGE_URL}#top'>the top</a>, "
            "<a href='javascript:void(0)'>a script</a>, "
            "<a href='mailto:me@example.org'>my mail</a>, <a href='tel:+123'>my phone</a>, "
            "<a href='https://example.com/icon'><i class='icon'></i></a> or "
            "<a href='https://example.com/real'>a real one</a>.</p></article>"
        )
    )
    assert [link.url for link in doc.links] == ["https://example.com/real"]
    assert [section.title for section in doc.sections] == ["Links"]
    assert "the datasets" in doc.paragraphs[0].text  # skipped links keep their text


def test_image_link_takes_the_alt_as_anchor():
    doc = parse(
        page(
            "<p>The architecture: <a href='https://example.com/lenet.png'>"
            "<img src='lenet.png' alt='LeNet-5 diagram'></a>.</p>"
        )
    )
    [link] = doc.links
    assert link.anchor == "LeNet-5 diagram"
    assert link.context == "The architecture: LeNet-5 diagram."


def test_context_is_the_sentence_holding_the_anchor():
    doc = parse(
        page(
            "<p>First learn Python. Then read "
            "<a href='https://example.com/nb.ipynb'>the notebook</a> slowly. "
            "Finally train a model.</p>"
        )
    )
    [link] = doc.links
    assert link.context == "Then read the notebook slowly."
    assert link.paragraph == 0 and link.section is None


def test_nested_lists_give_innermost_items_and_quotes():
    doc = parse(
        page(
            "<main><ul><li>Books <a href='https://a.example/'>A</a>"
            "<ul><li>Chapter <a href='https://b.example/'>B</a></li></ul></li></ul>"
            "<blockquote>Quoted <a href='https://c.example/'>C</a></blockquote>"
            "<dl><dt>Term</dt><dd>Defined in <a href='https://d.example/'>D</a></dd></dl>"
            "<table><tr><td>Cell <a href='https://e.example/'>E</a></td></tr></table></main>"
        )
    )
    texts = [(paragraph.text, paragraph.kind) for paragraph in doc.paragraphs]
    assert ("Books A", "item") in texts
    assert ("Chapter B", "item") in texts
    assert ("Quoted C", "quote") in texts
    assert ("Defined in D", "item") in texts
    assert ("Cell E", "paragraph") in texts
    assert [link.paragraph for link in doc.links] == [0, 1, 2, 4, 5]


def test_pandoc_footnotes_are_footnotes():
    doc = parse(
        page(
            "<p>A claim<a href='#fn1' class='footnote-ref' id='fnref1' role='doc-noteref'>"
            "<sup>1</sup></a>.</p>"
            "<section class='footnotes' role='doc-endnotes'><hr><ol>"
            "<li id='fn1'><p>Source: <a href='https://arxiv.org/abs/1512.03385'>ResNet</a>."
            "<a href='#fnref1' class='footnote-back' role='doc-backlink'>↩︎</a></p></li>"
            "</ol></section>"
        )
    )
    assert [(p.text, p.kind) for p in doc.paragraphs] == [
        ("A claim.", "paragraph"),
        ("Source: ResNet.", "footnote"),
    ]
    assert [link.url for link in doc.links] == ["https://arxiv.org/abs/1512.03385"]


def test_section_levels_are_relative_to_the_shallowest_heading():
    doc = parse(
        page(
            "<article><h1>Title</h1><h3>Part one</h3><p>Text one.</p>"
            "<h4>Detail</h4><p>Text two.</p><h3>Part two</h3><p>Text three.</p></article>"
        )
    )
    assert doc.title == "Title"
    assert [(s.title, s.level) for s in doc.sections] == [
        ("Part one", 1),
        ("Detail", 2),
        ("Part two", 1),
    ]
    assert [p.section for p in doc.paragraphs] == [0, 1, 2]


def test_chrome_inside_the_article_is_dropped():
    doc = parse(
        page(
            "<article><p>Read <a href='https://good.example/'>this</a>.</p>"
            "<div class='social-links'><a href='https://twitter.com/share'>Tweet</a></div>"
            "<div id='comments'><p>Nice post! <a href='https://spam.example/'>cheap</a></p></div>"
            "<div class='newsletter'><p>Join <a href='/subscribe'>the list</a></p></div>"
            "<nav class='post-nav'><a href='/prev/'>Previous</a></nav>"
            "<form><button>Send</button></form><script>var a = '<a href=x>';</script>"
            "</article>"
        )
    )
    assert [link.url for link in doc.links] == ["https://good.example/"]
    assert [p.text for p in doc.paragraphs] == ["Read this."]


def test_density_fallback_without_article_markup():
    doc = parse(
        page(
            "<div id='top'><div class='menu'><a href='/'>Home</a> <a href='/x'>X</a></div></div>"
            "<div class='wrapper'><div class='left'><p><a href='/a'>Short</a></p></div>"
            "<div class='text'><p>Neural networks learn features from data. Read "
            "<a href='https://example.com/book'>the book</a> first.</p>"
            "<p>Convolutions share weights across the image, which saves parameters.</p></div>"
            "</div>"
        )
    )
    assert doc.metadata["container"] == "density"
    assert [link.url for link in doc.links] == ["https://example.com/book"]
    assert len(doc.paragraphs) == 2


def test_teaser_article_does_not_hide_the_real_text():
    doc = parse(
        page(
            "<div class='post-body'><p>"
            + "A long paragraph about recurrent networks. " * 10
            + "<a href='https://example.com/rnn'>Karpathy's post</a>.</p></div>"
            "<div><article><p>Another post.</p></article></div>"
        )
    )
    assert [link.url for link in doc.links] == ["https://example.com/rnn"]


def test_title_falls_back_to_og_title_then_title_tag():
    body = "<article><h2>Intro</h2><p>Some text.</p></article>"
    og = parse(page(body, head="<meta property='og:title' content='OG Title'><title>T | S</title>"))
    assert og.title == "OG Title"
    titled = parse(page(body, head="<title>Learning CNNs | Notes by Ada Example</title>"))
    assert titled.title == "Learning CNNs"
    site = parse(
        page(
            body,
            head="<meta property='og:site_name' content='My Blog'>"
            "<title>Learning CNNs - the hard way - My Blog</title>",
        )
    )
    assert site.title == "Learning CNNs - the hard way"
    assert [s.title for s in titled.sections] == ["Intro"]


def test_site_header_h1_is_not_the_title():
    doc = parse(
        page(
            "<header><h1>Notes by Ada</h1><nav><a href='/'>Home</a></nav></header>"
            "<div><p>Gradient descent walks downhill on the loss surface, one small step at a "
            "time.</p><p>Momentum smooths the walk; <a href='https://distill.pub/2017/momentum/'>"
            "Why Momentum Really Works</a> shows it.</p></div>",
            head="<title>Optimisers | Notes by Ada</title>",
        )
    )
    assert doc.title == "Optimisers"
    assert doc.sections == ()
    assert [link.url for link in doc.links] == ["https://distill.pub/2017/momentum/"]


def test_author_and_date_from_markup():
    doc = parse(
        page(
            "<article><h1>Post</h1><p class='byline'>By <a rel='author' href='/me'>Jan Kowalski"
            "</a></p><p>Text.</p></article>",
            head="<meta property='article:published_time' content='2018-05-01T10:00:00Z'>",
        )
    )
    assert doc.author == "Jan Kowalski"
    assert doc.date == "2018-05-01T10:00:00Z"
    itemprop = parse(
        page(
            "<article><span itemprop='author' itemscope><span itemprop='name'>Ana Ejemplo</span>"
            "</span><time datetime='2017-04-18'>April</time><p>Text.</p></article>"
            "<aside><span class='author'>Someone Else</span></aside>"
        )
    )
    assert itemprop.author == "Ana Ejemplo"
    assert itemprop.date == "2017-04-18"


def test_xml_declaration_is_accepted():
    doc = parse('<?xml version="1.0" encoding="utf-8"?>' + page("<p>Text here.</p>"))
    assert [p.text for p in doc.paragraphs] == ["Text here."]


@pytest.mark.parametrize(
    "html",
    [
        page(
            "<nav><ul><li><a href='/'>Home</a></li><li><a href='/about/'>About</a></li></ul></nav>"
        ),
        page("<div id='menu'><a href='/'>Home</a> | <a href='/blog/'>Blog</a></div>"),
        page("<header><h1>My site</h1></header><footer><p>&copy; 2019 Me</p></footer>"),
        page(""),
        page("<script>document.write('hello world')</script>"),
        "<html><frameset cols='50%,50%'><frame src='a.html'><frame src='b.html'></frameset></html>",
        "",
        "   \n",
    ],
    ids=["nav", "menu-div", "header-footer", "empty-body", "script", "frameset", "empty", "blank"],
)
def test_pages_without_article_text_raise(html):
    with pytest.raises(InputError) as error:
        parse(html, "page.html")
    assert error.value.origin == "page.html"
    assert "no article" in error.value.reason


# --- detect ------------------------------------------------------------------------------------


def test_detect_scores_html_high(post_text):
    importer = HtmlImporter()
    assert importer.detect(post_text) >= 0.9
    assert importer.detect("<html><body><p>Hi</p></body></html>") >= 0.9
    assert importer.detect("\ufeff<!DOCTYPE html>\n<title>x</title>") >= 0.9
    fragment = "<div>\n<h2>Title</h2>\n<p>One <a href='x'>x</a></p>\n<p>Two</p>\n</div>"
    assert importer.detect(fragment) >= 0.9


def test_detect_scores_markdown_and_text_low():
    importer = HtmlImporter()
    assert importer.detect(MARKDOWN_GUIDE.read_text(encoding="utf-8")) <= 0.2
    assert importer.detect((POSTS / "rnn-reading-list.txt").read_text(encoding="utf-8")) <= 0.2
    assert importer.detect("Use <b>bold</b> sparingly in a plain sentence.") <= 0.2
    assert importer.detect("") <= 0.2
    tutorial = "# HTML basics\n\nStart every page with `<html>`, then `<body>`.\n"
    assert importer.detect(tutorial) <= 0.2
