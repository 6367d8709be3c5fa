"""``flask simulate``: a scripted call from the terminal, what the caller hears printed."""

from __future__ import annotations


def test_simulate_a_russian_call_to_the_child_line(runner):
    result = runner.invoke(args=["simulate", "--digits", "2 1", "--from", "+77019876543"])
    assert result.exit_code == 0, result.output
    assert "Для русского языка нажмите 2" in result.output  # the language menu says the Russian option
    assert "Ты не один" in result.output  # the child's welcome, in Russian
    assert "Все специалисты сейчас заняты" in result.output  # the wait prompt, in Russian
    assert "queue: hangup" in result.output
    assert "problem:" not in result.output
    assert "77019876543" not in result.output


def test_simulate_a_kazakh_call_names_the_recorded_prompts(runner):
    result = runner.invoke(args=["simulate", "--digits", "1 5 speaks"])
    assert result.exit_code == 0, result.output
    assert "/audio/prompts/kk/record_instructions.wav" in result.output
    assert "Сигналдан кейін хабарламаңызды қалдырыңыз" in result.output  # the text the audio was made from
    assert "ended (hangup)" in result.output
