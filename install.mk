# install.mk: what `make install` puts beside the programs and the man pages
# (included at the end of Makefile.am).
#
#   $(sysconfdir)/thumbq.conf              only if there is none yet
#   $(pkgdatadir)/thumbq.conf.default      this build's defaults, always
#   $(pkgdatadir)/lighttpd/thumbq.conf     the web server snippets, as they
#   $(pkgdatadir)/lighttpd/thumbq-errors.lua  are in the source tree
#   $(pkgdatadir)/lighttpd/thumbq-webdav.conf
#   $(pkgdatadir)/apache/thumbq.conf
#   $(pkgdatadir)/apache/thumbq-webdav.conf
#   $(pkgdatadir)/*/thumbq-console.conf    and the console's, for /console/
#   $(pkgdatadir)/console/                 the console's static pages
#   $(pkgdatadir)/systemd/*                units with this build's paths
#   $(pkgdatadir)/shared-hosting/*         the user unit, crontab and .htaccess
#                                          blocks for an install without root
#   $(localstatedir)/lib/thumbq/docroot/thumbnails/   the docroot, empty
#                                          (--with-docroot=DIR: DIR/thumbnails/)
#   --with-cgidir=DIR: DIR/thumbq.fcgi     a copy of the program in the web space
#   --with-htaccess=cgi|fcgid: thumbq's block in the docroot's .htaccess
#
# Everything honours --prefix, --sysconfdir, --localstatedir, --datadir and
# DESTDIR, and `make uninstall` removes it again, except a thumbq.conf that
# differs from the defaults it was installed with (the admin's), thumbnails
# in the docroot (data), and directories given to configure that it did not
# make (the docroot of --with-docroot, the CGI directory).  Nothing is
# written outside the prefix but those, so that a user can install into
# the home directory: ./configure --prefix=$HOME/thumbq.

# The docroot thumbq.conf names by default (src/conf-keys.c has it as
# THUMBQ_DOCROOT): configure's --with-docroot.
thumbq_docroot = @thumbq_docroot@
thumbq_default_docroot = $(localstatedir)/lib/thumbq/docroot

# ---------------------------------------------------------------- thumbq.conf

# Every key with its default, as the thumbqd just built prints them (-C), so
# that the file cannot disagree with the program's table; the docroot is set
# explicitly.  The keys an admin must look at stay active; the others are
# commented out, so that a later version's defaults apply to them.
#
# The file is never overwritten: an existing $(sysconfdir)/thumbq.conf is
# the admin's.  The pristine copy, $(pkgdatadir)/thumbq.conf.default, is
# always installed: it shows a new version's keys and defaults (diff it
# against the live file), and `make uninstall` compares the live file with
# it to tell an untouched thumbq.conf (removed) from an edited one (kept).
# It lives in pkgdatadir, not beside the live file, so that $(sysconfdir)
# holds only configuration that is read.
nodist_noinst_DATA = thumbq.conf.default
CLEANFILES += thumbq.conf.default
thumbq.conf.default: worker/thumbqd$(EXEEXT) Makefile
	$(AM_V_GEN)rm -f $@ $@.keys $@.tmp; \
	env -i THUMBQ_DOCROOT='$(thumbq_docroot)' ./worker/thumbqd$(EXEEXT) -C -c /dev/null \
	    > $@.keys || { rm -f $@.keys; exit 1; }; \
	{ echo '# thumbq.conf: the configuration of thumbqd, thumbq.fcgi and thumbqctl'; \
	  echo '# ($(PACKAGE_STRING)); thumbq.conf(5) describes every key.'; \
	  echo '#'; \
	  echo '# Installed by make install with the defaults of this build; make install'; \
	  echo '# never overwrites it.  The active lines are the ones to set first;'; \
	  echo '# the rest are commented-out defaults.  THUMBQ_<KEY> in the environment'; \
	  echo '# overrides a key.  Check a change with: thumbqd -t -c FILE'; \
	  echo '#'; \
	  echo '# thumbq.fcgi runs as the user of the web server, thumbqd as the user'; \
	  echo '# of its unit (or the user key): both must be able to read this file.'; \
	  echo; \
	  sed -e 's/^\([a-z][a-z0-9_]* =\)/#\1/' -e 's/^#\(redis =\)/\1/' \
	      -e 's/^#\(docroot =\)/\1/' -e 's/^#\(base_url =\)/\1/' \
	      -e 's/^#\(user =\)/\1/' -e 's/^#\(log =\)/\1/' $@.keys; \
	} > $@.tmp && rm -f $@.keys && mv $@.tmp $@

install-data-local: install-thumbq-conf install-thumbq-docroot install-thumbq-web
uninstall-local: uninstall-thumbq-conf uninstall-thumbq-web uninstall-thumbq-dirs

install-thumbq-conf: thumbq.conf.default
	@$(NORMAL_INSTALL)
	$(MKDIR_P) '$(DESTDIR)$(pkgdatadir)' '$(DESTDIR)$(sysconfdir)'
	$(INSTALL_DATA) thumbq.conf.default '$(DESTDIR)$(pkgdatadir)/thumbq.conf.default'
	@conf='$(DESTDIR)$(sysconfdir)/thumbq.conf'; \
	if test -f "$$conf" || test -h "$$conf"; then \
	  echo "keeping $$conf (this build's defaults: $(DESTDIR)$(pkgdatadir)/thumbq.conf.default)"; \
	else \
	  echo " $(INSTALL_DATA) thumbq.conf.default '$$conf'"; \
	  $(INSTALL_DATA) thumbq.conf.default "$$conf"; \
	fi

# The web server serves the docroot; thumbqd writes into docroot/thumbnails,
# which therefore has to belong to thumbqd's user (see README, Installing).
# The web server is another user: what is made here is searchable by others
# whatever the umask (a user's may be 077); a docroot that exists keeps its
# mode.
install-thumbq-docroot:
	@$(NORMAL_INSTALL)
	test -d '$(DESTDIR)$(thumbq_docroot)' || $(INSTALL) -d -m 755 '$(DESTDIR)$(thumbq_docroot)'
	$(INSTALL) -d -m 755 '$(DESTDIR)$(thumbq_docroot)/thumbnails'

uninstall-thumbq-conf:
	@$(NORMAL_UNINSTALL)
	@conf='$(DESTDIR)$(sysconfdir)/thumbq.conf'; \
	def='$(DESTDIR)$(pkgdatadir)/thumbq.conf.default'; \
	if test -f "$$conf" && test -f "$$def" && cmp -s "$$conf" "$$def"; then \
	  echo " rm -f '$$conf'"; rm -f "$$conf"; \
	elif test -f "$$conf" || test -h "$$conf"; then \
	  echo "keeping $$conf: it is not the one make install wrote"; \
	fi; \
	echo " rm -f '$$def'"; rm -f "$$def"

# Only directories that are empty by now: thumbnails are data, and
# uninstall-thumbq-conf has just left the admin's files in place.
uninstall-thumbq-dirs: uninstall-thumbq-conf uninstall-dist_lighttpdDATA \
    uninstall-dist_apacheDATA uninstall-nodist_systemdDATA uninstall-nodist_sharedhostingDATA \
    uninstall-dist_sharedhostingSCRIPTS uninstall-dist_consoleDATA
	@$(NORMAL_UNINSTALL)
	@keep=; test '$(thumbq_docroot)' = '$(thumbq_default_docroot)' || \
	  keep='$(DESTDIR)$(thumbq_docroot)'; \
	for d in '$(DESTDIR)$(thumbq_docroot)/thumbnails' '$(DESTDIR)$(thumbq_docroot)' \
	    '$(DESTDIR)$(localstatedir)/lib/thumbq' '$(DESTDIR)$(lighttpddir)' \
	    '$(DESTDIR)$(apachedir)' '$(DESTDIR)$(systemddir)' '$(DESTDIR)$(sharedhostingdir)' \
	    '$(DESTDIR)$(consoledir)' '$(DESTDIR)$(pkgdatadir)'; do \
	  test "$$d" != "$$keep" || continue; \
	  if test -d "$$d" && rmdir "$$d" 2>/dev/null; then echo " rmdir '$$d'"; fi; \
	done

.PHONY: install-thumbq-conf install-thumbq-docroot uninstall-thumbq-conf uninstall-thumbq-dirs

# ---------------------------------------------------------------- web servers

# Installed unchanged: both take their paths from variables the including
# configuration sets (var.thumbq_* for lighttpd, Define THUMBQ_* for Apache).
lighttpddir = $(pkgdatadir)/lighttpd
dist_lighttpd_DATA = lighttpd/thumbq.conf lighttpd/thumbq-errors.lua \
	lighttpd/thumbq-console.conf lighttpd/thumbq-webdav.conf
apachedir = $(pkgdatadir)/apache
dist_apache_DATA = apache/thumbq.conf apache/thumbq-console.conf \
	apache/thumbq-webdav.conf

# ---------------------------------------------------------------- console

# The console's pages, served by the web server at /console/ from here
# (var.thumbq_console, Define THUMBQ_CONSOLE): static files, no build step.
consoledir = $(pkgdatadir)/console
dist_console_DATA = console/index.html console/console.js console/console.css \
	console/favicon.svg

# ---------------------------------------------------------------- systemd

# Units with this build's paths.  Installed beside the snippets, not into
# systemd's own directories, so that install needs no root and no systemd;
# the admin copies (or `systemctl link`s) the ones wanted.
systemddir = $(pkgdatadir)/systemd
thumbq_units = systemd/thumbqd.service systemd/thumbq-fcgi.socket systemd/thumbq-fcgi.service
nodist_systemd_DATA = $(thumbq_units)
EXTRA_DIST += systemd/thumbqd.service.in systemd/thumbq-fcgi.socket.in \
	systemd/thumbq-fcgi.service.in
CLEANFILES += $(thumbq_units)

# @name[@] keeps config.status from substituting the pattern itself.
edit_units = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@fcgidir[@]|$(fcgidir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' -e 's|@pkgdatadir[@]|$(pkgdatadir)|g' \
	-e 's|@docroot[@]|$(thumbq_docroot)|g' -e "s|@cgiurl[@]|$(thumbq_cgiurl)|g" \
	-e 's|@PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g'
systemd/thumbqd.service: $(srcdir)/systemd/thumbqd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(edit_units) $(srcdir)/systemd/thumbqd.service.in > $@.tmp && mv $@.tmp $@
systemd/thumbq-fcgi.socket: $(srcdir)/systemd/thumbq-fcgi.socket.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(edit_units) $(srcdir)/systemd/thumbq-fcgi.socket.in > $@.tmp && mv $@.tmp $@
systemd/thumbq-fcgi.service: $(srcdir)/systemd/thumbq-fcgi.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && $(edit_units) $(srcdir)/systemd/thumbq-fcgi.service.in > $@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------- shared hosting

# For a user without root (README, "Shared hosting"): the unit for the
# user's own systemd, the crontab lines for where there is none, and the two
# .htaccess blocks (Apache's mod_cgi, mod_fcgid), with this build's paths.
sharedhostingdir = $(pkgdatadir)/shared-hosting
thumbq_shared = shared-hosting/thumbqd.service shared-hosting/crontab \
	shared-hosting/htaccess-cgi shared-hosting/htaccess-fcgid
nodist_sharedhosting_DATA = $(thumbq_shared)
# Installed too, so that a customer can put a block into (or take it out of)
# an .htaccess without the source tree, e.g. to change from mod_cgi to
# mod_fcgid.
dist_sharedhosting_SCRIPTS = shared-hosting/htaccess.sh
EXTRA_DIST += shared-hosting/thumbqd.service.in shared-hosting/crontab.in \
	shared-hosting/htaccess-cgi.in shared-hosting/htaccess-fcgid.in
CLEANFILES += $(thumbq_shared)
$(thumbq_shared): Makefile
	$(AM_V_GEN)$(MKDIR_P) shared-hosting && $(edit_units) $(srcdir)/$@.in > $@.tmp && mv $@.tmp $@
shared-hosting/thumbqd.service: $(srcdir)/shared-hosting/thumbqd.service.in
shared-hosting/crontab: $(srcdir)/shared-hosting/crontab.in
shared-hosting/htaccess-cgi: $(srcdir)/shared-hosting/htaccess-cgi.in
shared-hosting/htaccess-fcgid: $(srcdir)/shared-hosting/htaccess-fcgid.in

# The URL path the .htaccess rewrites /v1/ to: the copy in cgidir, as the
# web server sees it when the docroot is the site's root (thumbq.fcgi routes
# on the path the client sent, so the API must be at the root).  Without a
# cgidir inside the docroot, the usual DOCROOT/cgi-bin/.
cgidir = @cgidir@
thumbq_htaccess = @htaccess@
thumbq_cgiurl = $$(d='$(thumbq_docroot)' c='$(cgidir)'; case $$c in "$$d"/?*) \
	echo "/$${c\#"$$d"/}/thumbq.fcgi";; *) echo /cgi-bin/thumbq.fcgi;; esac)

# --with-cgidir: a copy of the program in the web space (a copy, not a link:
# suEXEC and mod_fcgid's wrapper checks refuse links).  --with-htaccess:
# thumbq's block in DOCROOT/.htaccess, the rest of that file left alone.
install-thumbq-web: $(thumbq_shared) cgi-bin/thumbq.fcgi$(EXEEXT)
	@$(NORMAL_INSTALL)
	@if test -n '$(cgidir)'; then \
	  if test ! -d '$(DESTDIR)$(cgidir)'; then \
	    echo " $(INSTALL) -d -m 755 '$(DESTDIR)$(cgidir)'"; \
	    $(INSTALL) -d -m 755 '$(DESTDIR)$(cgidir)' || exit 1; \
	  fi; \
	  echo " $(INSTALL_PROGRAM) cgi-bin/thumbq.fcgi$(EXEEXT) '$(DESTDIR)$(cgidir)/thumbq.fcgi$(EXEEXT)'"; \
	  $(INSTALL_PROGRAM) cgi-bin/thumbq.fcgi$(EXEEXT) '$(DESTDIR)$(cgidir)/thumbq.fcgi$(EXEEXT)' || exit 1; \
	fi
	@if test -n '$(thumbq_htaccess)'; then \
	  d='$(thumbq_docroot)' c='$(cgidir)'; \
	  case $$c in "$$d"/?*) ;; *) echo "--with-htaccess: the CGI directory $$c is not inside the docroot $$d, so /v1/ cannot be rewritten to it; put thumbq's block into the right .htaccess by hand ($(sharedhostingdir)/htaccess-$(thumbq_htaccess))" >&2; exit 1;; esac; \
	  echo " $(SHELL) $(srcdir)/shared-hosting/htaccess.sh install shared-hosting/htaccess-$(thumbq_htaccess) '$(DESTDIR)$(thumbq_docroot)/.htaccess'"; \
	  $(SHELL) $(srcdir)/shared-hosting/htaccess.sh install shared-hosting/htaccess-$(thumbq_htaccess) \
	      '$(DESTDIR)$(thumbq_docroot)/.htaccess' || exit 1; \
	fi

uninstall-thumbq-web:
	@$(NORMAL_UNINSTALL)
	@if test -n '$(cgidir)'; then \
	  echo " rm -f '$(DESTDIR)$(cgidir)/thumbq.fcgi$(EXEEXT)'"; rm -f '$(DESTDIR)$(cgidir)/thumbq.fcgi$(EXEEXT)'; \
	fi
	@if test -n '$(thumbq_htaccess)'; then \
	  echo " $(SHELL) $(srcdir)/shared-hosting/htaccess.sh remove '$(DESTDIR)$(thumbq_docroot)/.htaccess'"; \
	  $(SHELL) $(srcdir)/shared-hosting/htaccess.sh remove '$(DESTDIR)$(thumbq_docroot)/.htaccess'; \
	fi

.PHONY: install-thumbq-web uninstall-thumbq-web
