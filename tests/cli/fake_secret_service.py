#!/usr/bin/env python3
"""Test-only: a Secret Service whose every item is locked and whose unlock prompt is never
answered, as when a keychain's unlock dialog is left open on a desktop nobody is watching.

It owns org.freedesktop.secrets on the session bus it is started on (the test's own, never
the desktop's), opens sessions (plain, or Diffie-Hellman with a real public key: nothing is
ever encrypted, because no secret is ever returned), finds one locked item for any search,
answers Unlock with a prompt, and lets that prompt wait forever. It prints "ready" once it
owns the name, and one line for each thing asked of it, so a test can tell how far a client
got. Needs python3-dbus and python3-gi (scripts/deps.sh test).

    fake_secret_service.py        (DBUS_SESSION_BUS_ADDRESS names the bus)
"""
import secrets
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

SERVICE = "org.freedesktop.Secret.Service"
PROMPT = "org.freedesktop.Secret.Prompt"
ROOT = "/org/freedesktop/secrets"
COLLECTION = ROOT + "/collection/login"
ITEM = COLLECTION + "/1"
PROMPT_PATH = ROOT + "/prompt/p1"

# RFC 2409's second Oakley group: the "dh-ietf1024-sha256-aes128-cbc-pkcs7" algorithm.
P = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)


def said(line):
    print("fake: " + line, flush=True)


class Service(dbus.service.Object):
    @dbus.service.method(SERVICE, in_signature="sv", out_signature="vo")
    def OpenSession(self, algorithm, _input):
        said("OpenSession " + algorithm)
        path = dbus.ObjectPath(ROOT + "/session/s" + secrets.token_hex(4))
        if algorithm == "plain":
            return dbus.String("", variant_level=1), path
        public = pow(2, secrets.randbits(256), P).to_bytes(128, "big")
        return dbus.ByteArray(public, variant_level=1), path

    @dbus.service.method(SERVICE, in_signature="a{ss}", out_signature="aoao")
    def SearchItems(self, _attributes):
        said("SearchItems: one locked item")
        return dbus.Array([], signature="o"), dbus.Array([dbus.ObjectPath(ITEM)], signature="o")

    @dbus.service.method(SERVICE, in_signature="ao", out_signature="aoo")
    def Unlock(self, _objects):
        said("Unlock -> prompt")
        return dbus.Array([], signature="o"), dbus.ObjectPath(PROMPT_PATH)

    @dbus.service.method(SERVICE, in_signature="s", out_signature="o")
    def ReadAlias(self, _name):
        said("ReadAlias")
        return dbus.ObjectPath(COLLECTION)


class Prompt(dbus.service.Object):
    @dbus.service.method(PROMPT, in_signature="s", out_signature="")
    def Prompt(self, _window):
        # Never completed: no Completed signal is ever sent.
        said("Prompt shown; never answered")

    @dbus.service.method(PROMPT, in_signature="", out_signature="")
    def Dismiss(self):
        said("Prompt dismissed")


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName("org.freedesktop.secrets", bus, do_not_queue=True)
    Service(bus, ROOT)
    Prompt(bus, PROMPT_PATH)
    said("ready")
    GLib.MainLoop().run()
    del name


if __name__ == "__main__":
    sys.exit(main())
