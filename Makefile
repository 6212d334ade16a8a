# The two commands of the quick start, and a few more. Each wraps a script in deploy/local/.
.PHONY: run up down test build bench fuzz up-ha down-ha test-ha simulate

run:    ## build and run the whole system in the foreground (Ctrl-C stops it)
	@deploy/local/run.sh

up:     ## the same in the background
	@deploy/local/up.sh

down:   ## stop what make up started
	@deploy/local/down.sh

test:   ## every test tier against a throwaway PostgreSQL, Redis and gateway
	@deploy/local/test.sh

up-ha:  ## the high-availability stack in the background: Patroni, Sentinels, two of each service
	@deploy/ha/up.sh

down-ha: ## stop what make up-ha started
	@deploy/ha/down.sh

test-ha: ## only the failover drills (ctest label ha), on a stack of their own
	@deploy/local/test.sh -L ha

build:  ## compile only (Release, in build/)
	@bash -c 'source deploy/local/lib.sh && install_packages "$${PACKAGES[@]}" && build'

bench:  ## the benchmarks, in the same Release build (see bench/README.md)
	@bash -c 'source deploy/local/lib.sh && install_packages "$${PACKAGES[@]}"'
	@BUILD_DIR=$(CURDIR)/build bench/run.sh
	@bench/dispatch/run.sh
	@bench/locations/run.sh
	@bench/progress/run.sh
	@BUILD_DIR=$(CURDIR)/build bench/routing/run.sh

fuzz:   ## fuzz every parser of untrusted input, DAIBAN_FUZZ_SECONDS (60) each (tests/fuzz/run.sh)
	@tests/fuzz/run.sh

simulate: ## a simulated day on a stack of its own: SCENARIO=file (default sim/scenarios/jinan-day.json), SIM_ARGS="--agents 370102=-10 --arrivals x1.5", PUBLISH=1 TITLE="…" publishes the report to the running system (DAIBAN_URL, DAIBAN_ADMIN_PHONE, DAIBAN_ADMIN_PASSWORD)
	@sim/run.sh $(if $(SCENARIO),--scenario $(SCENARIO)) $(SIM_ARGS)
	@$(if $(PUBLISH),build/cli/daibanctl publish-simulation build/simulation/$(basename $(notdir $(or $(SCENARIO),jinan-day.json))) $(if $(TITLE),--title "$(TITLE)"))
