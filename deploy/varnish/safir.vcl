# Varnish in front of one or more Safir nodes (Varnish 7 with xkey from varnish-modules).
#
# Safir marks what a shared cache may keep (Cache-Control: public, s-maxage, stale-while-revalidate,
# stale-if-error) and names the keys each response is built from (the `xkey` header). Its purger
# (PURGE_VARNISH=http://this-varnish:6081) follows the outbox and sends, for each change, exactly the keys
# that changed: `PURGE` with `xkey-softpurge` (the page stays usable in grace while one fetch replaces it)
# or `xkey-purge` (an article taken down must not be shown again), or `BAN` with `xkey-ban` where xkey
# cannot be used (PURGE_VARNISH_MODE=ban). Without xkey, remove `import xkey;` and the PURGE branch.
#
# Several nodes: replace the backend with one per node and a directors.round_robin() in vcl_init.
vcl 4.1;

import std;
import xkey;

backend safir {
    .host = "127.0.0.1";
    .port = "3000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .probe = {
        .url = "/robots.txt";
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
        .initial = 3;
    }
}

# Who may purge: Safir's nodes. Add their addresses. If a TLS terminator (nginx, hitch) on this machine
# forwards readers to Varnish, every reader comes from 127.0.0.1: then take loopback out of this list and name
# the nodes' own addresses, or give purges a listen address of their own (varnishd -a …,name=purge) and check
# local.socket here.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.x-safir-purged = xkey.purge(req.http.xkey-purge);
        } elsif (req.http.xkey-softpurge) {
            set req.http.x-safir-purged = xkey.softpurge(req.http.xkey-softpurge);
        } else {
            return (synth(400, "xkey-purge or xkey-softpurge required"));
        }
        return (synth(200, "Purged"));
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        # Keys are letters, digits, ':' and '-' (Safir checks), so they can be put in an expression as they are.
        if (req.http.xkey-ban !~ "^[a-z0-9:-]+( [a-z0-9:-]+)*$") {
            return (synth(400, "xkey-ban must list keys"));
        }
        # (No spaces in the expression: a ban's argument ends at the first one.)
        if (!std.ban("obj.http.xkey ~ (^|[[:space:]])(" + regsuball(req.http.xkey-ban, " ", "|") + ")([[:space:]]|$)")) {
            return (synth(400, std.ban_error()));
        }
        set req.http.x-safir-banned = "1";
        return (synth(200, "Banned"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Safir builds links from SITE_URL, never from these; a reader must not make Safir refuse a fetch with them.
    unset req.http.X-Forwarded-Host;
    # One object per page, not one per tracking tag or parameter order (Safir ignores both).
    set req.url = regsuball(req.url, "([?&])(utm_[a-z]+|fbclid|gclid|mc_[a-z]+)=[^&]*", "\1");
    set req.url = regsuball(req.url, "&&+", "&");
    set req.url = regsuball(req.url, "[?&]+$", "");
    set req.url = regsub(req.url, "\?&+", "?");
    set req.url = std.querysort(req.url);
    # The newsroom: sessions, forms and previews go to Safir untouched and are never kept.
    if (req.url ~ "^/(admin|api/v1/admin)(/|\?|$)") {
        return (pass);
    }
    # With Safir up, a stale page is served for at most a minute while it is fetched again (its
    # stale-while-revalidate); with Safir down, for as long as stale-if-error allows.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 60s;
    }
    # A reader who unlocked a password-protected article gets their own page from Safir, never kept.
    if (req.url ~ "^/article/" && req.http.Cookie ~ "(^|;\s*)safir_unlock_[0-9]+=") {
        return (pass);
    }
    # Otherwise the reading site reads no cookie, so one copy serves everyone.
    unset req.http.Cookie;
    unset req.http.Authorization;
    return (hash);
}

sub vcl_backend_fetch {
    # Tells Safir a shared cache is asking: a page Safir knows is out of date is rendered anew for it, not
    # served stale (readers get Varnish's own graced copy meanwhile).
    set bereq.http.Surrogate-Capability = "varnish=ESI/1.0";
}

sub vcl_backend_response {
    # A refresh that fails keeps the copy that is there (stale-if-error): Safir down, or a fetch refused for
    # something in this one request, must not take a good page out of the cache.
    if (bereq.is_bgfetch && beresp.status >= 400 && beresp.status != 404 && beresp.status != 410) {
        return (abandon);
    }
    # Only what Safir says a shared cache may keep is kept; s-maxage sets the time, stale-while-revalidate
    # and stale-if-error the grace (Varnish reads all three itself).
    if (beresp.http.Cache-Control !~ "public" || beresp.http.Cache-Control ~ "(private|no-store)" || beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    if (beresp.status >= 500) {
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        return (deliver);
    }
    # Grace as long as stale-if-error allows; while Safir is healthy, vcl_recv narrows it to a minute.
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"), beresp.grace);
    }
    return (deliver);
}

sub vcl_synth {
    if (req.http.x-safir-purged) {
        set resp.http.x-safir-purged = req.http.x-safir-purged;
    }
    if (req.http.x-safir-banned) {
        set resp.http.x-safir-banned = req.http.x-safir-banned;
    }
}

sub vcl_deliver {
    # Keys are for this cache, not for readers.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
}
