# Everything a reader, student or maintainer runs. Two commands matter most:
#   make book   install everything and build the website into _build/html
#   make test   install everything and run all tests, including the strict book build
# Only python3 (>= 3.10, with venv) and make are needed; all else goes into .venv.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MATHJAX := book/_vendor/mathjax/VERSION
CHROMIUM := /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install book test test-quick robustness load-bench gpu-check sync expected lab bench assignments grade clean

install: $(STAMP) $(MATHJAX)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -e .
	touch $(STAMP)

# MathJax from its npm package (checksummed), served by the site itself: maths renders offline.
$(MATHJAX): | $(STAMP)
	$(BIN)/python -m course vendor

# The browser test (tests/book/test_browser.py) drives Debian's chromium, headless.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

# Strict: warnings are errors (-W), references are checked (-n), every chapter executes
# with its default profile and a failing cell fails the build (raise_on_error in _config.yml).
book: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(STAMP) $(MATHJAX) $(CHROMIUM)
	$(BIN)/python -m pytest

# Unit tests and the fast notebook runs, without the book build and the clean-environment
# packaging and Colab tests (a minute or two).
test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "not book and not packaging and not colab"

# Does every result hold on any machine? Every chapter under a designed matrix of math-library
# code paths, PyTorch kernel levels, thread counts and seeds (about an hour on 2 cores; not in CI).
# Writes benchmarks/robustness.md.
robustness: $(STAMP)
	$(BIN)/python -m tests.robustness $(ARGS)

# How much a busy machine slows a chapter down, before and after the course's thread setting.
load-bench: $(STAMP)
	$(BIN)/python benchmarks/under_load.py

# On a machine with an NVIDIA GPU: run every chapter (default profile) with device="cuda" and
# report, chapter by chapter, ok or the failing cell, the time and the recorded results.
# Options go through ARGS, e.g. make gpu-check ARGS="--chapters attention/seq2seq".
gpu-check: $(STAMP)
	$(BIN)/python -m tests.gpu_check $(ARGS)

# Rewrite every chapter's .ipynb twin from its .md source (outputs stripped), after pointing each
# chapter's Colab cell at the repository named in _config.yml.
sync: $(STAMP)
	$(BIN)/python -m tests.harness sync

# Store the current outputs of cells tagged nbval-check-output as the expected ones.
expected: $(STAMP)
	$(BIN)/python -m pytest tests/notebooks/test_chapters.py --update-expected

# Open the chapters in JupyterLab (installs it into the virtual environment on first use).
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet jupyterlab ipywidgets
	$(BIN)/jupyter lab book

# Instructors: student notebooks, instructor notebooks and grading bundles for every chapter
# (or CHAPTERS="foundations/mlp ..."), in _build/assignments.
assignments: $(STAMP)
	$(BIN)/python -m course build $(CHAPTERS) --out _build/assignments

# Instructors: grade a folder of submissions, e.g.
#   make grade SUBMISSIONS=hand-ins/ BUNDLE=_build/assignments/grading/foundations/mlp.json
grade: $(STAMP)
	$(BIN)/python -m course grade $(SUBMISSIONS) --bundle $(BUNDLE) --out _build/grades

# Measure what dlutils.fit costs over a bare PyTorch loop (run it on an idle machine).
bench: $(STAMP)
	$(BIN)/python benchmarks/fit_overhead.py

clean:
	rm -rf _build .pytest_cache
