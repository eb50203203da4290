# Test stand-in for OpenWrt's rules.mk (tests/openwrt.sh t_makefile): the
# directories and tools a package Makefile uses, with recognisable values.
# The package's own Makefile is parsed by GNU make for real; only the
# build system around it is this small.
INCLUDE_DIR:=$(TOPDIR)/include
SCRIPT_DIR:=$(TOPDIR)/scripts
BUILD_DIR:=$(TOPDIR)/build_dir/target
DL_DIR:=$(TOPDIR)/dl
STAGING_DIR:=$(TOPDIR)/staging_dir/target
PKG_INFO_DIR:=$(STAGING_DIR)/pkginfo
TARGET_CC:=target-gcc
TARGET_AR:=target-ar
TARGET_CFLAGS:=-Os -pipe
TARGET_CPPFLAGS:=-I$(STAGING_DIR)/usr/include
TARGET_LDFLAGS:=-L$(STAGING_DIR)/usr/lib -znow -zrelro
CP:=cp -fpR
TAR:=tar
INSTALL_DIR:=install -d -m0755
INSTALL_BIN:=install -m0755
INSTALL_DATA:=install -m0644
INSTALL_CONF:=install -m0600
MAKE:=make
