"""What a person types becomes plain words; snippets show the first hit with every hit marked (pure core)."""

from __future__ import annotations

from app.core.search import MAX_TERMS, Piece, first_hit, fts5_query, snippet, terms, tsquery


def test_only_words_survive_whatever_is_typed():
    assert terms('"Мектеп" AND (бала*) OR -қорқады: NEAR(x') == ["мектеп", "and", "бала", "or", "қорқады", "near", "x"]
    assert terms("' OR 1=1; --") == ["or", "1"]
    assert terms("a_b c__d") == ["a", "b", "c", "d"]  # the index tokenisers split at underscores too
    assert terms('"" * ^ : ()') == [] and terms("") == []
    assert terms("бала бала БАЛА") == ["бала"]
    assert len(terms(" ".join(f"w{n}" for n in range(20)))) == MAX_TERMS


def test_engine_queries_hold_quoted_prefixes_only():
    assert fts5_query(["мектеп", "and"]) == '"мектеп"* "and"*'
    assert tsquery(["мектеп", "and"]) == "мектеп:* & and:*"


def test_the_first_matching_word_gives_the_time():
    words = ["менің", "балам", "мектепте", "балалармен"]
    assert first_hit(words, ["мектеп"]) == 2
    assert first_hit(words, ["бала"]) == 1
    assert first_hit(words, ["полиция"]) is None


def test_a_snippet_is_cut_between_words_around_the_first_hit():
    text = " ".join(f"сөз{n}" for n in range(100)) + " мектепте " + " ".join(f"тағы{n}" for n in range(100))
    pieces = snippet(text, ["мектеп"])
    assert pieces[0] == Piece("…") and pieces[-1] == Piece("…")
    assert [piece.text for piece in pieces if piece.hit] == ["мектепте"]
    joined = "".join(piece.text for piece in pieces)
    assert joined.startswith("…сөз") and joined.endswith("…") and len(joined) < 200
    assert all(word in text.split() for word in joined.strip("…").split())


def test_a_short_text_is_whole_with_every_hit_marked():
    assert snippet("Бала мектепте, бала үйде.", ["бала"]) == [
        Piece("Бала", True), Piece(" мектепте, "), Piece("бала", True), Piece(" үйде.")]
