package org.micronet.trainer;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskKilledException;
import org.bytedeco.javacpp.BytePointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.SecretKey;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The exchange between workers in different JVMs over TCP connections of their own: at the start
 * of the stage each worker listens on a free port of its executor's host, one
 * {@code BarrierTaskContext.allGather} tells every worker the others' addresses, and each pair of
 * workers connects once. Every round then averages in two phases over those connections, each
 * in both directions at once. The state (parameters, then updater state) is cut into one slice a
 * worker: first each worker sends every other that worker's slice of its state and averages the
 * slices it receives of its own (reduce-scatter); then it sends its averaged slice to every other
 * and receives theirs (all-gather). A worker so moves 2 (W - 1) / W of a state each way a round,
 * whatever the number of workers W, where sending its whole state to every other moves W - 1:
 * half at four workers, a sixteenth at 32. At two the bytes are the same, so there each worker
 * sends its whole state and averages all of it, in one phase. Each slice is summed in partition
 * order, as the other exchanges sum whole states, so every worker ends with the same average
 * as they give, bit for bit. The state is the network's own ({@link ResidentNetwork#state()}):
 * slices are sent from it, received into it and averaged in it.
 * The arrival of the first phase's last header is the round's barrier.
 *
 * <p>Workers on one host take each other's state from its shared memory ({@link HostRegion}):
 * a worker writes its state there before it sends its header, and a peer that maps the region
 * averages it where it lies once the header is in (and copies the second phase's averaged
 * slices), so only headers travel on their connection. The regions are found by name
 * (announced with the addresses) and confirmed over the connection.
 * Where all of a worker's peers share its host, the task's own thread exchanges
 * ({@link #headersOnly}); else a thread of the exchange does, while the task reads ahead.
 *
 * <p>A peer is admitted only when it presents the chunk's key, which reaches the workers inside
 * the task. With Spark's network encryption on, the slices travel sealed ({@link StateCipher}) in
 * pieces of {@link #PIECE_BYTES}, each with its own tag, so that a worker opens the first pieces
 * of a peer's slice while the peer still seals and sends the rest; else in the clear, as Spark's
 * own block transfers do then. Sealed, a header through shared memory still comes with a sealed
 * empty piece, which authenticates it.
 */
final class PeerExchange implements ParameterExchange {
    private static final Logger log = LoggerFactory.getLogger(PeerExchange.class);
    private static final long KILL_CHECK_MILLIS = 100;
    private static final long LOST_PEER_GRACE_MILLIS = 30_000;
    private static final int CONNECT_TIMEOUT_MILLIS = 60_000;
    private static final int HELLO_TIMEOUT_MILLIS = 10_000;
    /** round, whether the worker fitted a minibatch (1) or not (0), its score. */
    private static final int HEADER_BYTES = Integer.BYTES + Integer.BYTES + Double.BYTES;
    /**
     * Up to this many workers each worker's slice is the whole state, and a round is the first
     * phase alone: two workers move the same bytes either way, and a second phase cost M0 rounds of
     * 54-74 ms against 46-56 on the loopback cluster of two single-core workers (in turns); in one
     * phase they read 50-69 against 46-70 for the exchange before the slices, in turns again.
     */
    private static final int WHOLE_STATES_UP_TO = 2;
    /** The plaintext bytes of a sealed piece. */
    static final int PIECE_BYTES = 256 * 1024;
    private static final String ADVICE = ": if a firewall separates the executors, open a port range for the exchange"
            + " with --conf " + BarrierRounds.EXCHANGE_PORT_CONF + "=<first port>, or exchange through Spark's block"
            + " managers with --conf " + BarrierRounds.EXCHANGE_CONF + "=blocks";

    /** One other worker: the connection and this phase's progress on it. */
    private static final class Peer {
        final int partition;
        final SocketChannel channel;
        /** Its region of the host's memory, mapped here, where its bodies come from; null: they come over the channel. */
        final HostRegion memory;
        /** Whether it maps this worker's region, and so takes this worker's bodies from there. */
        final boolean readsMine;
        /**
         * Its slice of the state to average here, by the round's parity: where it arrives over the
         * channel (the same array for both), or where it lies in {@link #memory}.
         */
        final INDArray[] theirSlice;
        /** Where its sealed pieces arrive, and where this worker's for it are sealed, when the exchange encrypts; else null. */
        final ByteBuffer sealedIn;
        final ByteBuffer sealedOut;
        final ByteBuffer inHeader = ByteBuffer.allocate(HEADER_BYTES);
        final ByteBuffer outHeader = ByteBuffer.allocate(HEADER_BYTES);
        /** What is being written: the body, or its piece sealed last; null before the first piece is sealed. */
        ByteBuffer outBody;
        /** When sealing, what remains to be sealed of this phase's body for it; else null. */
        ByteBuffer outPlain;
        int outPiece;
        /** What is being read: the body, or its next sealed piece; null until the header is in. */
        ByteBuffer inBody;
        /** Where this phase's body from it goes (opened, when it arrives sealed): what remains of it. */
        ByteBuffer opened;
        int inPiece;
        /** Where this phase's body from it goes, when it comes from {@link #memory}; else null. */
        ByteBuffer fromMemory;
        long headerAt;

        Peer(int partition, SocketChannel channel, HostRegion memory, boolean readsMine, INDArray[] theirSlice,
             ByteBuffer sealedIn, ByteBuffer sealedOut) {
            this.partition = partition;
            this.channel = channel;
            this.memory = memory;
            this.readsMine = readsMine;
            this.theirSlice = theirSlice;
            this.sealedIn = sealedIn;
            this.sealedOut = sealedOut;
        }
    }

    private final BarrierTaskContext task;
    private final int partition;
    /** The network's state (parameters, then updater state), which becomes the average slice by slice. */
    private final INDArray own;
    /**
     * Where worker w's slice of the state starts and ends: from {@code w * length / workers} to
     * {@code (w + 1) * length / workers}, or the whole state ({@link #WHOLE_STATES_UP_TO}).
     */
    private final long[] sliceStart;
    private final long[] sliceEnd;
    /** Whether every slice is the whole state, so that a round has no second phase. */
    private final boolean wholeStates;
    /** This worker's slice of {@link #own}. */
    private final INDArray ownSlice;
    /** Where the sum of two or more peers' slices gathers before this worker's is added; null up to two workers. */
    private final INDArray scratch;
    private final Peer[] peers;  // by partition, null at this worker's
    /** This worker's region of the host's shared memory, while a peer reads from it; else null. */
    private HostRegion region;
    private final Selector selector;
    private final ExecutorService io;
    /** Encrypts the slices when Spark's network encryption is on; else null. */
    private final StateCipher cipher;
    /** By partition, this worker's included: this round's scores and whether they fitted. */
    private final double[] scores;
    private final boolean[] fitted;
    /**
     * Whether every peer takes this worker's state from shared memory and gives its own there, so
     * that only headers travel: then the task's thread sends them before it reads ahead and
     * receives them after, where a thread of the exchange would wait for the core the task holds.
     */
    private final boolean headersOnly;
    /** What remains of a phase: a write and a read a peer. */
    private int pending;
    private int round;
    private long waiting;

    /**
     * For {@code task}'s worker, which trains {@code net} (the network every {@link #average} is
     * given); {@code key} admits its peers, {@code sealing} (null: none) encrypts the states,
     * {@code hostMemory}: whether workers on one host exchange through its shared memory.
     */
    PeerExchange(BarrierTaskContext task, ResidentNetwork net, UUID key, SecretKey sealing, boolean hostMemory) {
        this.task = task;
        this.partition = task.partitionId();
        own = net.state();
        long length = own.length();
        int workers = task.getTaskInfos().length;
        if (length < workers) {
            throw new IllegalStateException("a state of " + length + " values cannot be cut into a slice for each of "
                    + workers + " workers");
        }
        wholeStates = workers <= WHOLE_STATES_UP_TO;
        sliceStart = new long[workers];
        sliceEnd = new long[workers];
        for (int w = 0; w < workers; w++) {
            sliceStart[w] = wholeStates ? 0 : w * length / workers;
            sliceEnd[w] = wholeStates ? length : (w + 1) * length / workers;
        }
        ownSlice = own.get(NDArrayIndex.interval(sliceStart[partition], sliceEnd[partition]));
        scratch = workers > 2 ? Nd4j.createUninitialized(own.dataType(), slice(partition)) : null;
        peers = new Peer[workers];
        cipher = sealing == null ? null : new StateCipher(sealing, task.stageAttemptNumber());
        HostRegion[] theirRegions = new HostRegion[workers];
        boolean[] readMine = new boolean[workers];
        try {
            selector = Selector.open();
            long bytes = length * own.dataType().width();
            if (hostMemory && HostRegion.possible(bytes)) {
                try {
                    region = HostRegion.create(bytes);
                } catch (IOException e) {
                    log.warn("worker {} has no region of this host's shared memory: it exchanges over connections",
                            partition, e);
                }
            }
            SocketChannel[] channels = connect(key, bytes, workers, theirRegions, readMine);
            shareOrDropRegion(theirRegions, readMine);
            for (int w = 0; w < workers; w++) {
                if (w != partition) {
                    channels[w].configureBlocking(false);
                    peers[w] = new Peer(w, channels[w], theirRegions[w], readMine[w], theirSlices(theirRegions[w]),
                            sealing == null ? null : sealedPiece(), sealing == null ? null : sealedPiece());
                    theirRegions[w] = null;
                    channels[w].register(selector, 0, peers[w]);
                }
            }
        } catch (IOException e) {
            closeAll(theirRegions);
            close();
            throw unlessKilled(new UncheckedIOException("worker " + partition + " could not connect to the other workers ("
                    + e.getMessage() + ")" + ADVICE, e));
        } catch (RuntimeException e) {
            closeAll(theirRegions);
            close();
            throw e;
        }
        boolean onlyHeaders = true;
        for (Peer p : peers) {
            onlyHeaders &= p == null || p.memory != null && p.readsMine;
        }
        headersOnly = onlyHeaders;
        scores = new double[workers];
        fitted = new boolean[workers];
        io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "parameter exchange, task " + task.taskAttemptId());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Where a peer's slice of this worker's part of the state is, by parity: in its {@code region}
     * of shared memory, averaged from there in place; else (null) in an array of its own.
     */
    private INDArray[] theirSlices(HostRegion region) {
        int width = own.dataType().width();
        long values = slice(partition);
        if (region == null) {
            INDArray received = Nd4j.createUninitialized(own.dataType(), values);
            return new INDArray[]{received, received};
        }
        INDArray[] halves = new INDArray[2];  // over the mapping, which ND4J does not own (nor free)
        for (int parity = 0; parity < 2; parity++) {
            ByteBuffer bytes = region.slice(parity, sliceStart[partition] * width, values * width);
            halves[parity] = Nd4j.create(Nd4j.createBuffer(new BytePointer(bytes), values, own.dataType()), values);
        }
        return halves;
    }

    /** The values in worker {@code w}'s slice. */
    private long slice(int w) {
        return sliceEnd[w] - sliceStart[w];
    }

    /** The bytes of {@code all}'s values {@code start} to {@code start + values}, in place. */
    private ByteBuffer bytesOf(INDArray all, long start, long values) {
        int width = all.dataType().width();
        ByteBuffer b = all.data().asNio().duplicate().clear();
        return b.position(Math.toIntExact(start * width)).limit(Math.toIntExact((start + values) * width)).slice();
    }

    private static ByteBuffer sealedPiece() {
        return ByteBuffer.allocateDirect(PIECE_BYTES + StateCipher.TAG_BYTES);
    }

    /**
     * Connects this worker to every other: it connects to those of lower partitions, which accept,
     * and accepts those of higher ones. A connection opens with a hello (the stage's key, the
     * partition, the state's length in bytes, whether the worker mapped the other's region), which
     * the other answers with whether it mapped the worker's. Sets {@code theirRegions[w]} to worker
     * {@code w}'s region where this host has it, and {@code readMine[w]} to whether {@code w} mapped
     * this worker's.
     */
    private SocketChannel[] connect(UUID key, long bytes, int workers, HostRegion[] theirRegions, boolean[] readMine)
            throws IOException {
        SocketChannel[] channels = new SocketChannel[workers];
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            String host = SparkEnv.get().blockManager().blockManagerId().host();
            bind(server, host, workers);
            log.info("worker {} of stage {} listens for the parameter exchange on {}", partition, task.stageId(),
                    server.getLocalAddress());
            String[] addresses;
            try (PromptAllGather gather = new PromptAllGather(task)) {
                addresses = gather.allGather(host + " " + server.socket().getLocalPort() + " "
                        + (region == null ? "-" : region.name()));
            }
            for (int w = 0; w < workers; w++) {
                String announced = addresses[w].split(" ")[2];
                if (w != partition && !announced.equals("-")) {
                    theirRegions[w] = HostRegion.open(announced, bytes);
                }
            }
            for (int w = 0; w < partition; w++) {
                String[] at = addresses[w].split(" ");
                SocketChannel channel = SocketChannel.open();
                channels[w] = channel;
                try {
                    channel.socket().connect(new InetSocketAddress(at[0], Integer.parseInt(at[1])), CONNECT_TIMEOUT_MILLIS);
                } catch (IOException e) {
                    throw new IOException("worker " + w + " at " + at[0] + ":" + at[1] + " refused or did not answer", e);
                }
                channel.socket().setTcpNoDelay(true);
                DataOutputStream hello = new DataOutputStream(channel.socket().getOutputStream());
                hello.writeLong(key.getMostSignificantBits());
                hello.writeLong(key.getLeastSignificantBits());
                hello.writeInt(partition);
                hello.writeLong(bytes);
                hello.writeBoolean(theirRegions[w] != null);
                hello.flush();
            }
            server.socket().setSoTimeout((int) KILL_CHECK_MILLIS);
            for (int accepted = partition + 1; accepted < workers; ) {
                SocketChannel channel;
                try {
                    channel = server.socket().accept().getChannel();
                } catch (SocketTimeoutException e) {
                    checkKilled("waiting for the other workers to connect");
                    continue;
                }
                int from = admit(channel, key, bytes, workers, theirRegions, readMine);
                if (from < 0 || channels[from] != null) {
                    channel.close();
                    continue;
                }
                channels[from] = channel;
                accepted++;
            }
            for (int w = 0; w < partition; w++) {
                readMine[w] = answer(channels[w], w);
            }
            return channels;
        } catch (IOException | RuntimeException e) {
            for (SocketChannel c : channels) {
                if (c != null) {
                    c.close();
                }
            }
            throw e;
        }
    }

    /**
     * Listens on {@link BarrierRounds#EXCHANGE_PORT_CONF}, or the first free port of the
     * {@code spark.port.maxRetries} after it, as Spark's own services bind; on any free port when it is 0.
     */
    private static void bind(ServerSocketChannel server, String host, int backlog) throws IOException {
        int first = SparkEnv.get().conf().getInt(BarrierRounds.EXCHANGE_PORT_CONF, 0);
        int tries = first == 0 ? 1 : 1 + SparkEnv.get().conf().getInt("spark.port.maxRetries", 16);
        for (int port = first; ; port++) {
            try {
                server.bind(new InetSocketAddress(host, port), backlog);
                return;
            } catch (BindException e) {
                if (port - first + 1 >= tries) {
                    throw new IOException("no free port for the parameter exchange on " + host + " in " + first + "-"
                            + port + " (" + BarrierRounds.EXCHANGE_PORT_CONF + ", spark.port.maxRetries)", e);
                }
            }
        }
    }

    /**
     * The partition of the worker that opened {@code channel}, or -1 when it is none of this
     * stage's; notes whether it mapped this worker's region and answers whether this one mapped its.
     */
    private int admit(SocketChannel channel, UUID key, long bytes, int workers, HostRegion[] theirRegions,
                      boolean[] readMine) throws IOException {
        channel.socket().setTcpNoDelay(true);
        channel.socket().setSoTimeout(HELLO_TIMEOUT_MILLIS);
        DataInputStream hello = new DataInputStream(channel.socket().getInputStream());
        long msb;
        long lsb;
        int from;
        long theirs;
        boolean mapsMine;
        try {
            msb = hello.readLong();
            lsb = hello.readLong();
            from = hello.readInt();
            theirs = hello.readLong();
            mapsMine = hello.readBoolean();
        } catch (IOException e) {
            log.warn("worker {} dropped a connection from {} that sent no hello: {}", partition,
                    channel.getRemoteAddress(), e.toString());
            return -1;
        }
        if (!new UUID(msb, lsb).equals(key) || from <= partition || from >= workers) {
            log.warn("worker {} dropped a connection from {} that is not one of its stage's workers", partition,
                    channel.getRemoteAddress());
            return -1;
        }
        if (theirs != bytes) {
            throw new IllegalStateException("worker " + from + " sends " + theirs + " bytes of parameters and updater"
                    + " state, worker " + partition + " " + bytes + ": the workers of a barrier stage run different networks");
        }
        readMine[from] = mapsMine;
        DataOutputStream answer = new DataOutputStream(channel.socket().getOutputStream());
        answer.writeBoolean(theirRegions[from] != null);
        answer.flush();
        return from;
    }

    /** Worker {@code w}'s answer to this worker's hello on {@code channel}: whether it mapped this worker's region. */
    private boolean answer(SocketChannel channel, int w) throws IOException {
        channel.socket().setSoTimeout((int) KILL_CHECK_MILLIS);
        DataInputStream in = new DataInputStream(channel.socket().getInputStream());
        while (true) {
            try {
                return in.readBoolean();
            } catch (SocketTimeoutException e) {
                checkKilled("waiting for worker " + w + " to answer its hello");
            }
        }
    }

    /**
     * Deletes this worker's region's file, which every peer has mapped by now or will not, and
     * drops the region when no peer did; logs whose states this worker takes from shared memory.
     */
    private void shareOrDropRegion(HostRegion[] theirRegions, boolean[] readMine) {
        if (region != null) {
            region.unlink();
            boolean read = false;
            for (boolean r : readMine) {
                read |= r;
            }
            if (!read) {
                region.close();
                region = null;
            }
        }
        List<Integer> mapped = new ArrayList<>();
        for (int w = 0; w < theirRegions.length; w++) {
            if (theirRegions[w] != null) {
                mapped.add(w);
            }
        }
        if (!mapped.isEmpty()) {
            log.info("worker {} takes the states of workers {} from this host's shared memory", partition, mapped);
        }
    }

    private static void closeAll(HostRegion[] regions) {
        for (HostRegion r : regions) {
            if (r != null) {
                r.close();
            }
        }
    }

    /** {@code meanwhile} runs while the slices travel and the slower workers finish their round. */
    @Override
    public int average(ComputationGraph net, boolean fitted, Runnable meanwhile) {
        double score = net.score();
        this.fitted[partition] = fitted;
        scores[partition] = score;
        int thisRound = round++;
        Future<?> scatter = startPhase(2 * thisRound, fitted, score);
        meanwhile.run();
        long t0 = System.nanoTime();
        endPhase(2 * thisRound, scatter);
        long lastHeader = t0;
        for (Peer p : peers) {
            if (p != null) {
                lastHeader = Math.max(lastHeader, p.headerAt);
            }
        }
        waiting += lastHeader - t0;
        // this worker's slice: the fitted workers' summed in partition order, then divided, as the driver
        // averages. The peers' slices are only read (a region's is theirs). Two operands add the same
        // either way round, so the sum gathers in this worker's slice, unless two fitted workers come
        // before this one: theirs gathers in scratch until this one's is added
        INDArray sum = null;
        int count = 0;
        double scoreSum = 0;
        for (int w = 0; w < this.fitted.length; w++) {
            if (this.fitted[w]) {
                INDArray theirs = w == partition ? ownSlice : peers[w].theirSlice[thisRound & 1];
                sum = sum == null ? theirs
                        : sum.addi(theirs, sum == ownSlice || theirs == ownSlice || !fitted ? ownSlice : scratch);
                scoreSum += scores[w];
                count++;
            }
        }
        if (count == 0) {
            return 0;  // every worker saw the same headers, so none gathers
        }
        if (sum != ownSlice) {
            ownSlice.assign(sum);  // the one worker that fitted was another
        }
        ownSlice.divi(count);
        if (!wholeStates) {
            endPhase(2 * thisRound + 1, startPhase(2 * thisRound + 1, true, 0));
        }
        net.setScore(scoreSum / count);
        return count;
    }

    /**
     * One phase of a round, with every peer at once: {@code message} {@code 2 * round} sends each
     * peer its slice of this worker's state (nothing when it did not fit) and reads this worker's
     * slice of theirs; {@code 2 * round + 1} sends this worker's averaged slice and reads theirs
     * into {@link #own}. A message is a header (its number, whether the sender fitted, its score)
     * and a body; sealed, the body is a sequence of pieces, each the encrypted next
     * {@link #PIECE_BYTES} of the slice and its tag, at least one (an empty body's seals the header).
     */
    private void transfer(int message, boolean fitted, double score) throws IOException {
        begin(message, fitted, score);
        finish(message, 0);
    }

    /**
     * Starts a phase of {@link #transfer}: leaves the bodies the peers take from shared memory in
     * this worker's region, and writes to each peer what its socket takes at once (with only
     * headers to send, all of it).
     */
    private void begin(int message, boolean fitted, double score) throws IOException {
        boolean scatter = message % 2 == 0;
        int parity = (message / 2) & 1;
        pending = 0;
        long published = -1;  // where the region holds this phase's body from (the same for every peer but in a scatter of slices)
        for (Peer p : peers) {
            if (p == null) {
                continue;
            }
            int to = p.partition;
            p.outHeader.clear().putInt(message).putInt(fitted ? 1 : 0).putDouble(score).flip();
            long start = scatter ? sliceStart[to] : sliceStart[partition];
            ByteBuffer body = !fitted ? ByteBuffer.allocate(0) : bytesOf(own, start, slice(scatter ? to : partition));
            if (fitted && p.readsMine) {
                if (start != published) {  // before any header goes: a header tells the peer its body is there
                    region.write(parity, start * own.dataType().width(), body);
                    published = start;
                }
                body = ByteBuffer.allocate(0);
            }
            p.outBody = cipher == null ? body : null;
            p.outPlain = cipher == null ? null : body;
            p.outPiece = 0;
            p.inHeader.clear();
            p.inBody = null;
            p.fromMemory = null;
            p.headerAt = 0;
            pending += 2;
            if (write(p, message)) {
                p.channel.keyFor(selector).interestOps(SelectionKey.OP_READ);
                pending--;
            } else {
                p.channel.keyFor(selector).interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }
    }

    /**
     * Ends a phase {@link #begin} started: writes and reads until all of it has gone and arrived.
     * Checks every {@code checkMillis} whether the task was killed; 0: waits on the selector until
     * the thread is interrupted.
     */
    private void finish(int message, long checkMillis) throws IOException {
        int parity = (message / 2) & 1;
        while (pending > 0) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("the exchange was closed in round " + message / 2);
            }
            if (checkMillis > 0) {
                selector.select(checkMillis);
                checkKilled("exchanging with the other workers");
            } else {
                selector.select();
            }
            for (SelectionKey k : selector.selectedKeys()) {
                Peer p = (Peer) k.attachment();
                if (k.isValid() && k.isWritable() && write(p, message)) {
                    k.interestOps(k.interestOps() & ~SelectionKey.OP_WRITE);
                    pending--;
                }
                if (k.isValid() && k.isReadable() && read(p, message)) {
                    if (p.fromMemory != null) {
                        p.memory.read(parity, sliceStart[p.partition] * own.dataType().width(), p.fromMemory);
                    }
                    k.interestOps(k.interestOps() & ~SelectionKey.OP_READ);
                    pending--;
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** Writes what the socket takes, sealing each piece as the one before has gone; true once all of this phase's is sent. */
    private boolean write(Peer p, int message) throws IOException {
        while (true) {
            ByteBuffer next = p.outHeader.hasRemaining() ? p.outHeader : p.outBody;
            if (next != null && next.hasRemaining()) {
                p.channel.write(next);
                if (next.hasRemaining()) {
                    return false;
                }
            } else if (p.outPlain != null && (p.outPiece == 0 || p.outPlain.hasRemaining())) {
                ByteBuffer piece = p.outPlain.slice().limit(Math.min(PIECE_BYTES, p.outPlain.remaining()));
                p.outPlain.position(p.outPlain.position() + piece.remaining());
                cipher.seal(message, p.outPiece++, partition, p.partition, p.outHeader.duplicate().rewind(), piece,
                        p.sealedOut.clear());
                p.outBody = p.sealedOut.flip();
            } else {
                return true;
            }
        }
    }

    /** Reads what has arrived of this phase's, opening each piece as it completes; true once all of it is in (and opened). */
    private boolean read(Peer p, int message) throws IOException {
        while (true) {
            ByteBuffer into = p.inBody != null ? p.inBody : p.inHeader;
            if (into.hasRemaining()) {
                if (p.channel.read(into) < 0) {
                    throw new IOException("worker " + p.partition + " closed its connection in round " + message / 2
                            + ": it failed or was killed");
                }
                if (into.hasRemaining()) {
                    return false;
                }
            }
            if (p.inBody == null) {
                p.headerAt = System.nanoTime();
                boolean sent = header(p, message);
                boolean scatter = message % 2 == 0;
                ByteBuffer gathered = scatter ? null : bytesOf(own, sliceStart[p.partition], slice(p.partition));
                if (sent && p.memory != null) {
                    p.fromMemory = gathered;  // a scatter's slice is averaged where it lies in the region
                    p.opened = ByteBuffer.allocate(0);
                } else {
                    p.opened = !sent ? ByteBuffer.allocate(0)
                            : scatter ? bytesOf(p.theirSlice[0], 0, slice(partition)) : gathered;
                }
                p.inPiece = 0;
                if (cipher != null) {
                    p.inBody = nextPiece(p);
                } else if (p.opened.hasRemaining()) {
                    p.inBody = p.opened;
                } else {
                    return true;
                }
            } else if (cipher == null) {
                return true;
            } else {
                ByteBuffer piece = p.opened.slice().limit(p.inBody.position() - StateCipher.TAG_BYTES);
                p.opened.position(p.opened.position() + piece.remaining());
                cipher.open(message, p.inPiece++, p.partition, partition, p.inHeader.duplicate().rewind(),
                        p.inBody.flip(), piece);
                if (!p.opened.hasRemaining()) {
                    return true;
                }
                p.inBody = nextPiece(p);
            }
        }
    }

    /** Takes in {@code p}'s header of {@code message}; true when a body of the sender's state follows. */
    private boolean header(Peer p, int message) {
        p.inHeader.flip();
        int theirs = p.inHeader.getInt();
        if (theirs != message) {
            throw new IllegalStateException("worker " + p.partition + " sent message " + theirs + " (round "
                    + theirs / 2 + ") while worker " + partition + " is at message " + message + " (round "
                    + message / 2 + ")");
        }
        boolean sent = p.inHeader.getInt() == 1;
        if (message % 2 == 0) {
            fitted[p.partition] = sent;
            scores[p.partition] = p.inHeader.getDouble();
        }
        return sent;
    }

    /** Room for {@code p}'s next sealed piece: the next {@link #PIECE_BYTES} (or fewer) of its body, and the tag. */
    private static ByteBuffer nextPiece(Peer p) {
        return p.sealedIn.clear().limit(Math.min(PIECE_BYTES, p.opened.remaining()) + StateCipher.TAG_BYTES);
    }

    /**
     * Starts a phase of {@link #transfer}: on the task's own thread with {@link #headersOnly}
     * (null), else the whole of it on the exchange's thread (its future).
     */
    private Future<?> startPhase(int message, boolean fitted, double score) {
        if (!headersOnly) {
            return io.submit(() -> {
                transfer(message, fitted, score);
                return null;
            });
        }
        try {
            begin(message, fitted, score);
            return null;
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /**
     * Ends a phase {@link #startPhase} started; a kill of the task (a worker failed) ends it within
     * {@link #KILL_CHECK_MILLIS}.
     */
    private void endPhase(int message, Future<?> onExchangeThread) {
        if (onExchangeThread != null) {
            awaitTransfer(onExchangeThread);
            return;
        }
        try {
            finish(message, KILL_CHECK_MILLIS);
        } catch (IOException e) {
            throw lost(e);
        }
    }

    private RuntimeException lost(IOException e) {
        return unlessKilled(new UncheckedIOException("worker " + partition + " lost its connection to another worker", e));
    }

    /** Waits for the round's transfer; a kill of the task (a worker failed) ends it within {@link #KILL_CHECK_MILLIS}. */
    private void awaitTransfer(Future<?> transfer) {
        while (true) {
            try {
                transfer.get(KILL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                checkKilled("exchanging with the other workers");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TaskKilledException("interrupted while exchanging with the other workers of its barrier stage");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException cause) {
                    throw lost(cause);
                }
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                throw new IllegalStateException("the exchange of worker " + partition + " failed", e.getCause());
            }
        }
    }

    /**
     * {@code lost}, once Spark has had {@link #LOST_PEER_GRACE_MILLIS} to kill this task: a peer
     * whose task failed closes its connections as it goes, and the stage must fail with that task's
     * error, not with this one's consequence of it.
     */
    private RuntimeException unlessKilled(RuntimeException lost) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOST_PEER_GRACE_MILLIS);
        while (System.nanoTime() < deadline) {
            checkKilled("its connection to another worker was lost");
            try {
                Thread.sleep(KILL_CHECK_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return lost;
    }

    private void checkKilled(String doing) {
        if (task.isInterrupted()) {
            throw new TaskKilledException("killed while " + doing + " of its barrier stage");
        }
    }

    @Override
    public long waitingNanos() {
        return waiting;
    }

    /**
     * Closes the connections, which ends a transfer in flight, and, once the exchange thread has
     * ended, unmaps the regions of shared memory (else a collection of their buffers will).
     */
    @Override
    public void close() {
        boolean ended = true;
        if (io != null) {
            io.shutdownNow();
        }
        for (Peer p : peers) {
            if (p != null) {
                try {
                    p.channel.close();
                } catch (IOException e) {
                    log.debug("closing the connection to worker {}", p.partition, e);
                }
            }
        }
        if (io != null) {
            try {
                ended = io.awaitTermination(10 * KILL_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = false;
            }
        }
        for (Peer p : peers) {
            if (p != null && p.memory != null && ended) {
                p.memory.close();
            }
        }
        if (region != null) {
            if (ended) {
                region.close();
            } else {
                region.unlink();
            }
        }
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException e) {
                log.debug("closing the selector", e);
            }
        }
    }
}
