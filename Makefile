# Thin wrapper: install Debian packages that are missing, configure, build, run.
# The real build is CMake (CMakeLists.txt); tests are ctest.

BUILD ?= build
JOBS ?= $(shell nproc)
DEBS = build-essential cmake pkg-config liblua5.4-dev lua5.4 lua-cjson lua-cjson-dev \
       libcurl4-openssl-dev libevent-dev libcjson-dev libsqlite3-dev sqlite3 lua-busted \
       lua-check clang-format nghttp2-proxy openssl iproute2

# only for `make bench`: the peer clients it compares sonde with
BENCH_DEBS = python3-aiohttp

.PHONY: all deps bench-deps configure build test demo bench clean install

all: build

deps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	  grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	$(BUILD)/sonde lua examples/demo.lua $(BUILD)/demo.db

bench-deps:
	@$(MAKE) --no-print-directory deps DEBS="$(BENCH_DEBS)"
	@command -v node >/dev/null || $(MAKE) --no-print-directory deps DEBS="nodejs npm"
	@[ -d bench/node_modules/openai ] || (cd bench && npm install --no-audit --no-fund)

bench: build bench-deps
	cmake --build $(BUILD) --target bench_floor
	/usr/bin/python3 bench/run.py $(BUILD)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD)
