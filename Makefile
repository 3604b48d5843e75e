# SPDX-License-Identifier: GPL-2.0
# Top-level build of m2msec: the module for one or all installed Debian
# kernels, the agent, the unit tests and the selftests, and the test and
# demo entry points. `make check` and `make demo` install what they need.

# Kernel headers to build against: the newest installed by default.
ifeq ($(origin KDIR),undefined)
KDIR := $(shell ls -d /lib/modules/*/build 2> /dev/null | sort -V | tail -n 1)
endif
# The release comes from the headers themselves, because Debian's 6.1
# headers report the upstream version in include/config/kernel.release.
KRELEASE := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
		$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
# Every installed 6.1 and 6.12 kernel with headers, for `make modules-all`.
ALL_KDIRS := $(sort $(wildcard /lib/modules/6.1.*/build \
		$(wildcard /lib/modules/6.12.*/build)))

SHELL := /bin/bash
BUILD := build
# Each kernel gets its own copy of the module source, because two
# out-of-tree builds of one directory share their object files, and the
# 6.1 kbuild has no MO= for a separate output tree.
MOD_SRC := $(BUILD)/$(KRELEASE)/src
MOD_KO := $(BUILD)/$(KRELEASE)/m2msec.ko
SELFTESTS := $(wildcard tests/selftests/Makefile)

all: module agent unit $(if $(SELFTESTS),selftests)

module:
	@test -n "$(KRELEASE)" || { echo "no kernel headers at KDIR=$(KDIR):" \
		"install linux-headers-amd64 or run scripts/deps" >&2; exit 1; }
	@mkdir -p $(MOD_SRC)
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='modules.order' \
		--exclude='Module.symvers' Kbuild dkms.conf kernel uapi $(MOD_SRC)/
	$(MAKE) -C $(KDIR) M=$(abspath $(MOD_SRC)) $(KBUILD_ARGS) modules
	@mkdir -p $(dir $(MOD_KO))
	cp $(MOD_SRC)/m2msec.ko $(MOD_KO)

# A module whose kma self-test group fails on purpose, for the VM test
# that a failed self-test refuses the load.
module-broken:
	$(MAKE) --no-print-directory module \
		MOD_SRC=$(BUILD)/$(KRELEASE)/broken/src \
		MOD_KO=$(BUILD)/$(KRELEASE)/broken/m2msec.ko \
		KBUILD_ARGS="M2MSEC_SELFTEST_BREAK=y"

# A module with test hooks (M2MSEC_CMD_TEST_VECTOR_KEY), for the VM test
# that injects the DATA vectors on the wire. Never installed.
module-test:
	$(MAKE) --no-print-directory module \
		MOD_SRC=$(BUILD)/$(KRELEASE)/test/src \
		MOD_KO=$(BUILD)/$(KRELEASE)/test/m2msec.ko \
		KBUILD_ARGS="M2MSEC_TEST_HOOKS=y"

module-clean:
	@if [ -d $(MOD_SRC) ]; then \
		$(MAKE) -C $(KDIR) M=$(abspath $(MOD_SRC)) clean > /dev/null; \
	fi

modules-all:
	@test -n "$(ALL_KDIRS)" || { echo "no 6.1 or 6.12 kernel headers" \
		"installed: run scripts/deps" >&2; exit 1; }
	@set -e; for kdir in $(ALL_KDIRS); do \
		$(MAKE) --no-print-directory module KDIR=$$kdir; \
		$(MAKE) --no-print-directory module-broken KDIR=$$kdir; \
		$(MAKE) --no-print-directory module-test KDIR=$$kdir; \
	done

# Any warning or error from sparse or the compiler fails the build. The
# objects are removed first so that the compiler runs on every file
# again, and C=2 makes sparse check every file.
sparse:
	@set -e; for kdir in $(ALL_KDIRS); do \
		log=$$(mktemp); \
		$(MAKE) --no-print-directory module-clean KDIR=$$kdir; \
		$(MAKE) --no-print-directory module KDIR=$$kdir \
			KBUILD_ARGS="C=2" 2>&1 | tee $$log; \
		status=$${PIPESTATUS[0]}; \
		if grep -qE 'warning:|error:' $$log; then \
			echo "sparse: warnings against $$kdir (see above)" >&2; \
			rm -f $$log; exit 1; \
		fi; \
		rm -f $$log; test $$status -eq 0; \
	done

agent:
	$(MAKE) -C agent

unit: agent
	$(MAKE) -C tests/unit

selftests:
	$(MAKE) -C tests/selftests

deps:
	scripts/deps

check: deps
	scripts/lib/check

# The demo runs in a sub-make so that KRELEASE is read after scripts/deps
# has installed the kernel headers.
demo: deps
	$(MAKE) module agent
	$(MAKE) --no-print-directory demo-run

demo-run:
	scripts/vm-run --kernel $(KRELEASE) --timeout 600 -- scripts/demo

# Throughput and latency of m2msec against plain veth, WireGuard and
# IPsec in one VM run; not a test. BENCH_KERNEL picks the kernel.
bench: deps
	$(MAKE) module agent selftests
	scripts/bench
	scripts/bench-rest

# The module's sources as DKMS expects them: $(DESTDIR)/usr/src/
# m2msec-<version>, with the version of dkms.conf. Then run, as root,
# `dkms add m2msec/<version>` and `dkms install m2msec/<version>`.
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC := $(DESTDIR)/usr/src/m2msec-$(DKMS_VERSION)

dkms-src:
	@test -n "$(DKMS_VERSION)" || { echo "no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
	install -d $(DKMS_SRC)/kernel $(DKMS_SRC)/uapi/linux
	install -m 0644 dkms.conf Kbuild $(DKMS_SRC)/
	install -m 0644 kernel/*.c kernel/*.h $(DKMS_SRC)/kernel/
	install -m 0644 uapi/linux/m2msec.h $(DKMS_SRC)/uapi/linux/

# Installed paths, as a Debian gateway package places them. DESTDIR puts
# the whole tree under a staging directory (packages, tests).
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system

# Man pages and units are taken as they exist in the tree, so that the
# targets work while some of them are still missing.
MAN_PAGES := $(wildcard Documentation/man/*.7 Documentation/man/*.8)
UNITS := $(wildcard agent/systemd/*.service)
SAMPLE_CONF := agent/m2md.conf
CONF := $(DESTDIR)$(SYSCONFDIR)/m2msec/m2md.conf

install: agent
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/m2msec
	install -m 0755 agent/m2md/m2md agent/m2mctl/m2mctl $(DESTDIR)$(SBINDIR)/
	@set -e; for page in $(MAN_PAGES); do \
		section=$${page##*.}; \
		echo "install -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$section/"; \
		install -m 0644 $$page $(DESTDIR)$(MANDIR)/man$$section/; \
	done
	$(if $(UNITS),install -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/)
	@if [ ! -f $(SAMPLE_CONF) ]; then \
		echo "install: $(SAMPLE_CONF) is missing, no sample config installed"; \
	elif [ -e $(CONF) ]; then \
		echo "install: keeping the existing $(CONF)"; \
	else \
		echo "install -m 0644 $(SAMPLE_CONF) $(CONF)"; \
		install -m 0644 $(SAMPLE_CONF) $(CONF); \
	fi

# Removes what install put there. The config goes only if it still
# equals the sample: an edited one is the operator's. Directories stay,
# because other packages may share them.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/m2md $(DESTDIR)$(SBINDIR)/m2mctl
	@set -e; for page in $(notdir $(MAN_PAGES)); do \
		section=$${page##*.}; \
		echo "rm -f $(DESTDIR)$(MANDIR)/man$$section/$$page"; \
		rm -f $(DESTDIR)$(MANDIR)/man$$section/$$page; \
	done
	$(if $(UNITS),rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))))
	@if [ -f $(CONF) ] && cmp -s $(SAMPLE_CONF) $(CONF); then \
		echo "rm -f $(CONF)"; \
		rm -f $(CONF); \
	elif [ -e $(CONF) ]; then \
		echo "uninstall: keeping $(CONF), which differs from $(SAMPLE_CONF)"; \
	fi

# The module sources for DKMS only: this target never runs dkms, because
# dkms install builds and installs a module into the running system.
install-dkms: dkms-src
	@echo "Sources are in $(DKMS_SRC). As root, register them and build and"
	@echo "install the module for each installed kernel that has its headers:"
	@echo "  dkms add m2msec/$(DKMS_VERSION)"
	@echo "  dkms install m2msec/$(DKMS_VERSION)              # the running kernel"
	@echo "  dkms install m2msec/$(DKMS_VERSION) -k RELEASE   # each other kernel"
	@echo "  modprobe m2msec"

# The Debian packages m2msec-dkms and m2msec-agent, built in a fresh
# staging copy of the files git tracks or would track: .gitignore keeps
# build outputs out, and new files not yet committed are built as
# make agent builds them.
DEB_DIR := $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/m2msec-$(DKMS_VERSION)
DEB_VERSION = $(shell dpkg-parsechangelog -l scripts/debian/changelog \
		-S Version 2> /dev/null)

deb:
	@test -n "$(DKMS_VERSION)" || { echo "deb: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
	@case "$(DEB_VERSION)" in $(DKMS_VERSION)-*) ;; *) \
		echo "deb: scripts/debian/changelog has version '$(DEB_VERSION)'," \
			"expected $(DKMS_VERSION)-N from dkms.conf: add a changelog entry" >&2; \
		exit 1;; esac
	@git rev-parse --is-inside-work-tree > /dev/null 2>&1 || { \
		echo "deb: not a git checkout: make deb stages the files that git lists" >&2; \
		exit 1; }
	rm -rf $(DEB_SRC)
	rm -f $(DEB_DIR)/*.deb $(DEB_DIR)/*.buildinfo $(DEB_DIR)/*.changes
	mkdir -p $(DEB_SRC)
	git ls-files -z --cached --others --exclude-standard | \
		rsync -a --from0 --files-from=- \
		--ignore-missing-args ./ $(DEB_SRC)/
	rm -rf $(DEB_SRC)/debian
	cp -a scripts/debian $(DEB_SRC)/debian
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc
	@ls -l $(DEB_DIR)/*.deb

clean:
	rm -rf $(BUILD)
	$(MAKE) -C agent clean
	$(MAKE) -C tests/unit clean
	$(if $(SELFTESTS),$(MAKE) -C tests/selftests clean)

.PHONY: install uninstall install-dkms deb dkms-src all module module-broken module-test module-clean bench modules-all sparse agent unit selftests deps check demo \
	demo-run clean
