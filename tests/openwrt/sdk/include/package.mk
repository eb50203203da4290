# Test stand-in for OpenWrt's include/package.mk (tests/openwrt.sh
# t_makefile). What it does as the real one does (openwrt/openwrt
# include/package.mk, download.mk, package-defaults.mk):
#   PKG_BUILD_DIR default, PKG_DIR_NAME = last component of $(CURDIR)
#   (make's physical working directory: symbolic links resolved) naming
#   the install stamp that package/Makefile reads back;
#   Download: URL and FILE required, the default download from
#   PKG_SOURCE/PKG_SOURCE_URL/PKG_HASH unless USE_SOURCE_DIR;
#   BuildPackage: Package/Default, then Package/NAME, TITLE CATEGORY
#   SECTION VERSION required (make error otherwise).
# Instead of building, it prints what it parsed, one "KEY: value" a line.
# The "Prepare:" and "Compile:" lines carry the expanded recipes with
# each newline turned into " ;; ".
PKG_BUILD_DIR ?= $(BUILD_DIR)/$(PKG_NAME)$(if $(PKG_VERSION),-$(PKG_VERSION))
PKG_DIR_NAME:=$(lastword $(subst /, ,$(CURDIR)))
PKG_INSTALL_STAMP:=$(PKG_INFO_DIR)/$(PKG_DIR_NAME).$(if $(BUILD_VARIANT),$(BUILD_VARIANT),default).install

empty:=
space:=$(empty) $(empty)
define newline


endef
flat=$(subst $(newline), ;; ,$(1))

define Download/Defaults
  URL:=
  FILE:=
  HASH:=
  PROTO:=
  VERSION:=
endef

define Download
  $(eval $(Download/Defaults))
  $(eval $(Download/$(1)))
  $(if $(URL),,$(error Download/$(1) is missing the URL field.))
  $(if $(FILE),,$(error Download/$(1) is missing the FILE field.))
  $(info Download: $(1) $(FILE) $(URL) $(or $(HASH),-))
endef

define Download/default
  FILE:=$(PKG_SOURCE)
  URL:=$(PKG_SOURCE_URL)
  PROTO:=$(PKG_SOURCE_PROTO)
  VERSION:=$(PKG_SOURCE_VERSION)
  HASH:=$(or $(PKG_HASH),$(PKG_MIRROR_HASH))
endef

define Build/Prepare/Default
	unpack $(DL_DIR)/$(PKG_SOURCE) into $(PKG_BUILD_DIR)
endef
ifdef USE_SOURCE_DIR
define Build/Prepare/Default
	ln -snf $(USE_SOURCE_DIR) $(PKG_BUILD_DIR)
endef
endif

define Package/Default
  CONFIG:=
  DEPENDS:=
  CONFLICTS:=
  PROVIDES:=
  URL:=
  PKGARCH:=
  TITLE:=
  SECTION:=
  CATEGORY:=
  VERSION:=$(PKG_VERSION)-r$(PKG_RELEASE)
endef

define BuildPackage
  $(if $(recipes_shown),,$(eval recipes_shown:=1)$(info Prepare: $(call flat,$(Build/Prepare)))$(info Compile: $(call flat,$(Build/Compile))))
  $(eval $(Package/Default))
  $(eval $(Package/$(1)))
  $(foreach f,TITLE CATEGORY SECTION VERSION,$(if $($(f)),,$(error Package/$(1) is missing the $(f) field)))
  $(info Package: $(1))
  $(info Package-Version: $(1) $(VERSION))
  $(info Package-Depends: $(1) $(strip $(DEPENDS)))
  $(info Package-Provides: $(1) $(strip $(PROVIDES)))
  $(info Package-Conflicts: $(1) $(strip $(CONFLICTS)))
  $(info Package-URL: $(1) $(URL))
  $(info Package-Arch: $(1) $(or $(PKGARCH),target))
  $(info Package-Description: $(1) $(if $(Package/$(1)/description),yes,no))
  $(info Package-Install: $(1) $(call flat,$(call Package/$(1)/install,IDIR)))
endef

dumpinfo:
	@:
$(info Name: $(PKG_NAME))
$(info Dir-Name: $(PKG_DIR_NAME))
$(info Install-Stamp: $(notdir $(PKG_INSTALL_STAMP)))
$(info Build-Dir: $(PKG_BUILD_DIR))
$(info License: $(PKG_LICENSE))
$(info License-Files: $(PKG_LICENSE_FILES))
$(info Maintainer: $(PKG_MAINTAINER))
$(info File-Depends: $(strip $(PKG_FILE_DEPENDS)))
$(if $(USE_SOURCE_DIR),,$(if $(strip $(PKG_SOURCE_URL)),$(call Download,default)))
