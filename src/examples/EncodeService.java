// A small HTTP service around a trained SAE: POST /encode with a JSON array of d floats, get the top-k features.
//
// Run from the repository root after `mvn -B -q -pl kernels,core -am install -DskipTests` (JDK 21+):
//   java --add-modules jdk.incubator.vector \
//        -cp core/target/sae4j-core-0.1.0-SNAPSHOT.jar:kernels/target/sae4j-kernels-0.1.0-SNAPSHOT.jar \
//        src/examples/EncodeService.java CHECKPOINT_DIR [PORT] [--weights MODE]
//   curl -s -X POST --data '[0.1, 0.2, ...]' http://127.0.0.1:8080/encode          # {"indices":[..],"values":[..]}
//   curl -s -X POST --data '[...]' 'http://127.0.0.1:8080/encode?top=3'            # the 3 strongest only
// Bad JSON or the wrong length answers 400 with {"error": "..."}. Overloaded (every core encoding and 32 requests
// per core waiting), new requests get 503 with Retry-After: 1 rather than an unbounded queue. A body over 4 MiB gets
// 413; a body not received within 10 s, or a whole request (headers included) not within 30 s, is closed; up to
// 1024 kept-alive connections stay open while idle (-Dsun.net.httpserver.maxIdleConnections=N). Ctrl-C stops it.
// --weights bf16|int8: same answers, read from a compressed copy of W_enc first (faster per request, more memory);
// bf16-approx|int8-approx: from the compressed copy alone (about half the memory, not exactly the float32 codes).

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.sae4j.BadInputException;
import org.sae4j.encode.EncoderMode;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.formats.ModelFormats;
import org.sae4j.serve.EncodeHandler;

public class EncodeService {
    public static void main(String[] args) throws Exception {
        EncoderMode mode = EncoderMode.FLOAT32;
        int positional = args.length;
        if (args.length >= 2 && args[args.length - 2].equals("--weights")) {
            try {
                mode = EncoderMode.parse(args[args.length - 1]);
            } catch (BadInputException e) {
                System.err.println("EncodeService: " + e.getMessage());
                System.exit(2);
            }
            positional -= 2;
        }
        if (positional < 1 || positional > 2) {
            System.err.println("usage: EncodeService CHECKPOINT_DIR [PORT] [--weights float32|bf16|int8|bf16-approx"
                    + "|int8-approx]"
                    + "   (port defaults to 8080)");
            System.exit(2);
        }
        int port = positional == 2 ? Integer.parseInt(args[1]) : 8080;
        SaeEncoder encoder = ModelFormats.loadEncoder(Path.of(args[0]), mode);
        // EncodeHandler.start sets the JDK server's sun.net.httpserver.maxReqTime=30 (it waits forever for headers
        // by default) and maxIdleConnections=1024 (by default it closes kept-alive connections beyond 200 idle),
        // unless given with -D. Loopback only: this example has no authentication.
        HttpServer server = EncodeHandler.start(encoder,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        InetSocketAddress at = server.getAddress();
        System.out.println("serving " + encoder.config().activation().id() + " SAE d=" + encoder.dim() + " n="
                + encoder.latents() + " (" + mode.id() + " weights) at http://" + at.getAddress().getHostAddress()
                + ":" + at.getPort() + "/encode");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            EncodeHandler.stop(server);
            stopped.countDown();
        }));
        stopped.await();
    }
}
