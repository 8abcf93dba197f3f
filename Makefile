# oabot — developer tasks. `make test` is the README's test command and what CI runs.
SHELL    := /bin/bash
GO       ?= go
PKGS     ?= ./...
# Debian packages the tests and posters need: a real Redis, headless Chromium for page tests,
# poppler (pdftoppm, pdftotext) to check posters, and a Unicode font with Vietnamese glyphs.
APT_PKGS := redis-server chromium poppler-utils fonts-dejavu-core zbar-tools
STATICCHECK_VERSION := v0.8.2

.PHONY: rank-fit calibrate all build test test-short lint fmt vet staticcheck bench tools redis run scaleout fuzz image-check

all: lint test

build:
	$(GO) build -o bin/oabot ./cmd/oabot

run:
	$(GO) run ./cmd/oabot

# test: unit, integration (real Redis) and browser tests. Tests that need Redis fail instead of
# skipping when OABOT_REQUIRE_REDIS=1; tests that need chromium/poppler/fonts fail instead of
# skipping when OABOT_REQUIRE_TOOLS=1 (CI sets both). The procedures package's tests over the
# national catalogue (../shared/data) skip under -race — they are single-goroutine quality
# checks that run more than ten times slower with it — so a second pass runs that package
# without -race.
test: redis
	$(GO) test -race -count=1 -timeout 30m $(PKGS)
	$(GO) test -count=1 -timeout 30m ./procedures

test-short:
	$(GO) test -short -count=1 $(PKGS)

lint: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)

bench: redis
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s $(PKGS)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParseEvent -fuzztime 30s ./zalo
	$(GO) test -run '^$$' -fuzz FuzzVerifySignature -fuzztime 30s ./zalo

# tools installs what the tests need from Debian's packages (needs root and apt).
tools:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# redis starts a local Redis on 127.0.0.1:6379 when none answers there (tests may also use
# REDIS_URL, or start a private server themselves).
redis:
	@if [ -z "$$REDIS_URL" ] && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
		if command -v redis-server >/dev/null; then \
			echo "starting redis-server on 127.0.0.1:6379"; \
			redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
			sleep 0.5; \
		else echo "no Redis on 127.0.0.1:6379 and no redis-server (run: make tools)"; fi; \
	fi

# scaleout: 3 replicas + Redis + fake Zalo on loopback, signed events for 200 OAs x 5,000
# citizens, one replica killed mid-run; fails on any lost or duplicated reply. Not part of
# `make test` (minutes of load). Figures: deploy/scaleout.md.
scaleout: redis
	OABOT_SCALEOUT=1 $(GO) test -count=1 -run TestScaleOut -v -timeout 20m ./cmd/oabot-loadgen
	$(GO) run ./cmd/oabot-loadgen -replicas 3 -oas 200 -citizens 5000 -events 20000 -rate 400

# image-check builds deploy/Dockerfile and checks the container (non-root, /healthz, Docker's
# HEALTHCHECK on the default and a custom port, QR read by zbar, poster font). Needs Docker;
# not part of `make test` (CI has no Docker engine).
image-check:
	deploy/image-check.sh

# rank-fit refits the learned ranker (procedures/ranker.json) on the unsealed labelled sets over
# the built-in and the national catalogue, cross-validating leave one set out: the model is
# enabled only when that shows it helps (docs/ranker.md). NATIONAL: the imported portal catalogue.
NATIONAL ?= /tmp/national.json
RANK_SETS := ../shared/eval/queries-dev.jsonl $(addprefix procedures/testdata/queries-,$(addsuffix .jsonl,extra holdout holdout2 holdout-blind blind2 blind3 blind4 blind6 blind9 blind11 blind14 train16 train17 train18 train19))
FIT_ARGS = --catalogs builtin,$(NATIONAL) --queries $$(echo $(RANK_SETS) | tr ' ' ',')
rank-fit:
	$(GO) run ./cmd/oabot procedures rank-fit --cv $(FIT_ARGS) --out procedures/ranker.json

# calibrate refits the confidence model (procedures/confidence.json) on the same sets; run it
# after rank-fit, since the cards it judges come out of the ranker (docs/ranker.md).
calibrate:
	$(GO) run ./cmd/oabot procedures calibrate $(FIT_ARGS) --min-prob 0.985 --out procedures/confidence.json
