# SPDX-License-Identifier: GPL-2.0
#
# Build driver of the checkpoint/restart project.  This is NOT a kernel
# Makefile: it extracts the pristine Debian linux-source-6.12 tree into
# build/linux, applies patches/, overlays the project's files, builds the
# kernels out of tree (build/kobj, build/kobj-debug), the static userspace
# tools and selftests, and the guest initramfs.  See README.md.
#
#   make            everything for the normal kernel (deps, tree, kernel,
#                   uapi headers, tools, selftests, initramfs)
#   make run        boot the guest and show the checkpoint/restart demo
#   make shell      interactive guest shell (QEMU: Ctrl-A X quits)
#   make debug      also the debug kernel (KASAN, UBSAN, lockdep, kmemleak)
#   make check      build both kernels and run the selftests on both
#   make fuzz       fuzz restart(2) on the debug kernel for FUZZ_SECONDS
#                   (default 600), FUZZ_SEED (default: the time); findings
#                   go to build/fuzz/
#   make bench      benchmark against CRIU in the guest (build/bench/)
#   make clean      remove build products, keep build/linux and the ccache
#   make distclean  remove build/ entirely

SHELL := /bin/bash

TOP      := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
B        := $(TOP)/build
KSRC     := $(B)/linux
KOBJ     := $(B)/kobj
KOBJ_DBG := $(B)/kobj-debug
KOBJ_BENCH := $(B)/kobj-bench
USR      := $(B)/usr
TARBALL  ?= /usr/src/linux-source-6.12.tar.xz

BASE_FRAGS  := $(TOP)/config/base.config
DEBUG_FRAGS := $(BASE_FRAGS) $(TOP)/config/debug.config
BENCH_FRAGS := $(BASE_FRAGS) $(TOP)/config/bench.config

export TOP B KSRC USR TARBALL

S := $(TOP)/scripts

# One thing at a time: never two kernel builds at once on 2 cores.
.NOTPARALLEL:
.DEFAULT_GOAL := all
.PHONY: all deps prepare kernel debug-kernel debug userspace initramfs \
	run shell shell-debug check fuzz clean distclean help \
	bench bench-kernel bench-deps bench-image

all: kernel userspace initramfs

help:
	@sed -n '/^#   make/,/^$$/s/^# \{0,1\}//p' $(TOP)/Makefile

deps:
	@$(S)/install-deps

prepare: deps
	@$(S)/prepare-tree

kernel: prepare
	@$(S)/kconfig $(KSRC) $(KOBJ) $(B)/kconfig.log $(BASE_FRAGS)
	@$(S)/kbuild $(KSRC) $(KOBJ) $(B)/kbuild.log $(USR)

debug-kernel: prepare
	@$(S)/kconfig $(KSRC) $(KOBJ_DBG) $(B)/kconfig-debug.log $(DEBUG_FRAGS)
	@$(S)/kbuild $(KSRC) $(KOBJ_DBG) $(B)/kbuild-debug.log

debug: all debug-kernel

# A sub-make, so that its wildcards see the tree after prepare-tree.
userspace: kernel
	@$(MAKE) --no-print-directory -f $(S)/userspace.mk

initramfs: userspace
	@$(S)/mkinitramfs

run: all
	$(S)/vm-run -- /usr/share/checkpoint/demo.sh

shell: all
	$(S)/vm-run --shell

shell-debug: debug
	$(S)/vm-run --debug --shell

check: all debug-kernel
	$(S)/run-check

fuzz: all debug-kernel
	$(S)/run-fuzz

# The benchmark: its own kernel (base + config/bench.config, CRIU's
# options, CHECKPOINT=y), its own guest image (the normal one plus criu,
# the workloads and the driver), results in build/bench/.
bench-deps:
	@$(S)/bench/install-deps

bench-kernel: prepare
	@$(S)/kconfig $(KSRC) $(KOBJ_BENCH) $(B)/kconfig-bench.log $(BENCH_FRAGS)
	@$(S)/kbuild $(KSRC) $(KOBJ_BENCH) $(B)/kbuild-bench.log

bench-image: all bench-deps
	@$(MAKE) --no-print-directory -f $(S)/bench/bench.mk
	@$(S)/bench/mkimage

bench: bench-kernel bench-image
	$(S)/bench/run

clean:
	rm -rf $(KOBJ) $(KOBJ_DBG) $(KOBJ_BENCH) $(B)/bench $(USR) $(B)/tools $(B)/selftests $(B)/guest \
	       $(B)/gen_init_cpio $(B)/initramfs* $(B)/check $(B)/*.log

distclean:
	rm -rf $(B)
