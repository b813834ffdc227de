"""Where a request's CPU goes: reads async-profiler's collapsed stacks (bench/profile.sh) and prints the share of
the gateway's CPU samples by stage of the request (inclusive) and by the code that burns it (the top frame)."""
import collections
import sys

# stage of a request -> frames that mark it (the first stage whose marker a stack holds takes the sample)
STAGES = [
    ("accounting: log line", ["dev/caravan/frontdoor/RequestLog.process"]),
    ("accounting: price, metrics, ledger queue, onCompletion", ["OnCompletionProcessor", "StreamDone.process"]),
    ("ledger writer (H2/PostgreSQL batch insert)", ["dev/caravan/usage/UsageLedger.run"]),
    ("request in: HTTP decode, routes, parse, send upstream", ["ConnectionGuard$ByteWatcher.channelRead",
                                                              "HttpServerChannelHandler"]),
    ("answer back: upstream decode, reply, response write", ["HttpUpstream.lambda$whole", "reactor/netty"]),
    ("other event-loop work (flushes, timers, task queue)", ["NioEventLoop.run", "SingleThreadEventExecutor"]),
    ("JIT compiler threads", ["CompileBroker", "C2Compiler", "C1Compiler"]),
    ("garbage collection", ["VM_GenCollect", "GCTaskThread", "DefNewGeneration", "GenCollectedHeap"]),
]
# top frame -> what it belongs to
OWNERS = [
    ("Camel engine", ["org/apache/camel/"]),
    ("Netty", ["io/netty/"]),
    ("Reactor Netty / Reactor", ["reactor/"]),
    ("Caravan", ["dev/caravan/"]),
    ("Jackson", ["com/fasterxml/"]),
    ("Logback / SLF4J", ["ch/qos/logback", "org/slf4j"]),
    ("H2", ["org/h2/"]),
    ("Micrometer", ["io/micrometer"]),
    ("JDK classes", ["java/", "jdk/", "sun/"]),
    ("kernel (syscalls, network, scheduling)", ["_[k]"]),
]


def owner(frame):
    for name, marks in OWNERS:
        if any(m in frame for m in marks):
            return name
    return "JVM runtime (interpreter, stubs, GC, JIT)"


def main(path, cpu_us_per_request=None):
    stages, owners, total = collections.Counter(), collections.Counter(), 0
    for line in open(path):
        stack, count = line.rsplit(" ", 1)
        count = int(count)
        total += count
        stage = next((name for name, marks in STAGES if any(m in stack for m in marks)), "rest")
        stages[stage] += count
        owners[owner(stack.split(";")[-1])] += count
    if not total:
        sys.exit("no samples in " + path)
    per_request = float(cpu_us_per_request) if cpu_us_per_request else None

    def table(title, counter):
        print(title)
        for name, count in counter.most_common():
            share = count / total
            us = f"  {share * per_request:6.1f} us/request" if per_request else ""
            print(f"  {share * 100:5.1f} %{us}  {name}")
        print()

    print(f"{total} CPU samples of the gateway process")
    print()
    table("By stage of a request (a stack counts for the first stage it is in):", stages)
    table("By the code on top of the stack:", owners)


if __name__ == "__main__":
    main(*sys.argv[1:3])
