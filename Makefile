# prodready.webstack: one entry point for setup, gates and tests.
#   make setup   venv + dev link + Docker engine + base image
#   make test    every gate and every molecule scenario (what CI runs)
#   make up      bring up the demo stack (nginx -> app instances -> Redis) in containers
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON        ?= python3
VENV          ?= .venv
BIN           := $(abspath $(VENV))/bin
DEBIAN_SUITE  ?= bookworm
MOLECULE_IMAGE ?= local/debian-systemd:$(DEBIAN_SUITE)
# Scenarios to run: every molecule/<name>/molecule.yml unless SCENARIOS is given, the longest
# first so that MOLECULE_JOBS (default 2) side-by-side runs finish close together.
ALL_SCENARIOS := $(sort $(patsubst molecule/%/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))
LONGEST_FIRST := stack app_service web_proxy app_runtime session_store_sentinel session_store smoke
SCENARIOS     ?= $(filter $(ALL_SCENARIOS),$(LONGEST_FIRST)) $(filter-out $(LONGEST_FIRST),$(ALL_SCENARIOS))
COLLECTION_LINK := .ansible/collections/ansible_collections/prodready/webstack

export PATH := $(BIN):$(PATH)
export MOLECULE_IMAGE DEBIAN_SUITE
export ANSIBLE_COLLECTIONS_PATH := $(abspath .ansible/collections)
export PYTHONPATH := $(abspath .ansible/collections)

.PHONY: help setup venv link docker image lint yamllint ansible-lint ruff changelog-lint unit sanity \
        molecule test build up down bench clean

help: ## Show the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: venv link docker image ## Everything the tests need, from nothing

venv: $(VENV)/.installed ## Python tools from requirements-dev.txt
$(VENV)/.installed: requirements-dev.txt
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

link: ## Resolve prodready.webstack to this checkout
	@mkdir -p $(dir $(COLLECTION_LINK))
	@ln -sfn ../../../.. $(COLLECTION_LINK)

docker: ## Make sure a Docker engine answers (starts dockerd on Debian as root)
	@bash tools/ensure-docker.sh

image: docker ## Build (or reuse) the systemd base image
	@bash tools/build-image.sh

lint: yamllint ansible-lint ruff changelog-lint ## All static gates

yamllint: venv
	yamllint --strict .

ansible-lint: venv link
	ansible-lint --offline -q

ruff: venv
	ruff check .
	ruff format --check .

changelog-lint: venv
	antsibull-changelog lint

unit: venv link ## Unit tests of the plugins
	pytest -q -p no:cacheprovider tests/unit

sanity: venv ## ansible-test sanity over a real copy of the collection
	bash tools/sanity.sh

molecule: setup ## Every molecule scenario (SCENARIOS="a b" to choose)
	bash tools/molecule-all.sh $(SCENARIOS)

test: lint unit sanity molecule ## Everything CI runs

build: venv ## Build the collection tarball
	ansible-galaxy collection build --force --output-path .build/dist .

up: setup ## Bring up the demo stack in containers and leave it running
	molecule converge -s stack
	@echo "The stack is up: curl -i http://127.0.0.1:8080/ ; 'make bench' measures it; 'make down' removes it."

bench: ## Side-by-side benchmarks on the running demo stack (after make up)
	bash benchmarks/run.sh

down: venv ## Remove the demo stack
	molecule destroy -s stack

clean: ## Remove build output (keeps the venv and the image)
	rm -rf .build .pytest_cache .ruff_cache
