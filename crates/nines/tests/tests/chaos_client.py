# toxiproxy's own Python client (PyPI toxiproxy-python) against nines
# chaos proxy: argv[1] is the API's host:port, argv[2] an echo server.
import socket
import sys
import time

from toxiproxy import Toxiproxy
from toxiproxy.api import APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

host, port = sys.argv[1].rsplit(":", 1)
echo = sys.argv[2]
server = Toxiproxy()
server.update_api_consumer(host, int(port))
assert server.running()
assert b'"version"' in server.version(), server.version()


def round_trip(addr):
    h, p = addr.rsplit(":", 1)
    with socket.create_connection((h, int(p)), timeout=10) as s:
        start = time.monotonic()
        s.sendall(b"ping")
        got = b""
        while len(got) < 4:
            chunk = s.recv(4)
            assert chunk, "closed before the echo"
            got += chunk
        assert got == b"ping", got
        return time.monotonic() - start


# The proxy given on the command line is listed.
assert "echo" in server.proxies(), server.proxies()

proxy = server.create(upstream=echo, name="redis")
assert proxy.listen.startswith("127.0.0.1:") and not proxy.listen.endswith(":0"), proxy.listen
assert proxy.enabled is True
assert round_trip(proxy.listen) < 0.2  # under the 200 ms toxic: none applies

try:
    APIConsumer.post("/proxies", json={"name": "redis", "upstream": echo})
    raise AssertionError("a duplicate proxy was accepted")
except ProxyExists:
    pass

proxy.add_toxic(type="latency", attributes={"latency": 200, "jitter": 0})
toxics = proxy.toxics()
assert list(toxics) == ["latency_downstream"], toxics
t = toxics["latency_downstream"]
assert (t.type, t.stream, t.toxicity, t.attributes) == (
    "latency", "downstream", 1, {"latency": 200, "jitter": 0}), vars(t)
took = round_trip(proxy.listen)
assert 0.2 <= took < 2.2, took

try:
    proxy.add_toxic(type="explode")
    raise AssertionError("an unknown toxic type was accepted")
except InvalidToxic:
    pass

try:
    APIConsumer.get("/proxies/nope")
    raise AssertionError("a missing proxy was found")
except NotFound:
    pass
assert server.get_proxy("nope") is None

with proxy.down():
    try:
        round_trip(proxy.listen)
        raise AssertionError("a disabled proxy answered")
    except ConnectionRefusedError:
        pass
# Enabled again: the proxy listens once more (wait for that, bounded),
# and its toxic is still there.
for attempt in range(40):
    try:
        took = round_trip(proxy.listen)
        break
    except (ConnectionRefusedError, ConnectionResetError):
        time.sleep(0.05)
else:
    raise AssertionError("the proxy did not come back")
assert took >= 0.2, "enabled again, toxic still there"

assert proxy.destroy_toxic("latency_downstream")
assert proxy.toxics() == {}
assert round_trip(proxy.listen) < 0.2  # under the 200 ms toxic: none applies

proxy.add_toxic(type="limit_data", stream="upstream", toxicity=0.5, attributes={"bytes": 1})
assert server.reset()
assert proxy.toxics() == {}

made = server.populate([{"name": "web", "upstream": echo, "listen": "127.0.0.1:0"}])
assert [p.name for p in made] == ["web"]
assert server.destroy(server.get_proxy("web"))
server.destroy_all()
assert server.proxies() == {}
print("OK")
