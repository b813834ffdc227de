package dev.caravan.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Requests to a gateway listening on 127.0.0.1, whichever application runs it. */
public record Loopback(int port) {

    public HttpRequest.Builder request(String path, String key) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30));
    }

    public HttpRequest post(String path, String body, String key) {
        return request(path, key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** Sends and waits for the whole answer. */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return GatewayTest.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends, and returns at once. */
    public CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return GatewayTest.CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A one-message chat completion request body. */
    public static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    }

    /** The same, asking for a stream. */
    public static String streamedChat(String model) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    }
}
