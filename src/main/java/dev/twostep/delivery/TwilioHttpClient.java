package dev.twostep.delivery;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

import com.twilio.Twilio;
import com.twilio.constant.EnumConstants;
import com.twilio.http.HttpMethod;
import com.twilio.http.HttpUtility;
import com.twilio.http.Request;
import com.twilio.http.Response;

import dev.twostep.delivery.TwilioCallException.Failure;

/**
 * The HTTP client Twostep gives the Twilio SDK ({@code TwilioRestClient.Builder.httpClient(...)}, the SDK's
 * hook for this). It differs from the SDK's own client in four ways:
 * <ul>
 * <li>Every request goes to a configured base URL instead of https://api.twilio.com (scheme, host and port
 * are replaced; path and query are kept), so Twostep can be pointed at a mock of Twilio's API.</li>
 * <li>Every call has a total deadline. The SDK's client bounds only the gap between two bytes, so an answer
 * trickling in one byte every few seconds could hold a sign-in for minutes. Here the calling thread waits
 * on a future for at most the deadline, whatever the socket does, and then cancels the exchange, which
 * closes its connection.</li>
 * <li>One attempt only: a retried create can send a second SMS or place a second call.</li>
 * <li>A call that ends without a complete answer throws {@link TwilioCallException}, which says whether the
 * request had started going out (Twilio may then send the SMS) or certainly had not.</li>
 * </ul>
 * It is built on {@link java.net.http.HttpClient} rather than the SDK's Apache HttpClient because that
 * client is asynchronous: the deadline is kept by waiting on a future, not by hoping that closing a
 * socket from a timer unblocks a thread stuck in a read. It sets TCP_NODELAY on its connections (no Nagle
 * stalls), drops pooled connections the server closed, and retries a POST only when its connection could
 * not be opened, which sent nothing.
 */
final class TwilioHttpClient extends com.twilio.http.HttpClient {
    private static final String FORM = "application/x-www-form-urlencoded; charset=UTF-8";

    private final URI baseUrl;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration deadline;
    private final HttpClient http;

    /**
     * @param connectTimeout bound on opening a connection
     * @param readTimeout bound on the time until Twilio's answer begins
     * @param deadline bound on the whole call, from sending the request to the last byte of the answer
     */
    TwilioHttpClient(URI baseUrl, Duration connectTimeout, Duration readTimeout, Duration deadline) {
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        HttpClient.Builder builder = HttpClient.newBuilder()
                // As the SDK. With HTTP/1.1 an abandoned exchange takes its connection with it.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        ProxySelector proxies = ProxySelector.getDefault();
        if (proxies != null) {
            // https.proxyHost and the like, which the SDK's client honours too.
            builder.proxy(proxies);
        }
        this.http = builder.build();
    }

    /**
     * One attempt only. The SDK would retry some failures, but a retried create can send a second SMS or
     * place a second call, and retries multiply the time a request thread waits; the user can ask for a new
     * code instead.
     */
    @Override
    public Response reliableRequest(Request request) {
        return makeRequest(request);
    }

    @Override
    public Response reliableRequest(Request request, int[] retryCodes, int retries, long delayMillis) {
        return makeRequest(request);
    }

    @Override
    public Response makeRequest(Request request) {
        AtomicBoolean sending = new AtomicBoolean();
        CompletableFuture<HttpResponse<String>> exchange =
                http.sendAsync(toHttp(request, sending), HttpResponse.BodyHandlers.ofString());
        try {
            HttpResponse<String> answer = exchange.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            return new Response(answer.body(), answer.statusCode(), headers(answer));
        } catch (TimeoutException e) {
            // Aborts the exchange and closes its connection: nothing goes on reading a trickle.
            exchange.cancel(true);
            throw new TwilioCallException(Failure.DEADLINE, "did not answer within " + deadline.toMillis()
                    + " ms (deadline)", sending.get(), e);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new TwilioCallException(Failure.INTERRUPTED, "was not waited for (the thread was interrupted)",
                    sending.get(), e);
        } catch (ExecutionException e) {
            throw failed(e.getCause(), sending.get());
        }
    }

    /**
     * What an exchange that failed means. Whether Twilio may have the request depends only on whether it had
     * started going out; the kind of failure is for the log.
     */
    TwilioCallException failed(Throwable cause, boolean sending) {
        Throwable t = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (t instanceof HttpConnectTimeoutException) {
            return new TwilioCallException(Failure.CONNECT_TIMEOUT, "did not accept a connection within "
                    + connectTimeout.toMillis() + " ms (connect timeout)", sending, t);
        }
        if (causedBy(t, UnknownHostException.class) || causedBy(t, UnresolvedAddressException.class)) {
            return new TwilioCallException(Failure.UNKNOWN_HOST, "could not be found (unknown host "
                    + baseUrl.getHost() + ")", sending, t);
        }
        if (causedBy(t, ConnectException.class) || causedBy(t, NoRouteToHostException.class)) {
            return new TwilioCallException(Failure.UNREACHABLE, "could not be reached (" + describe(t) + ")",
                    sending, t);
        }
        if (t instanceof HttpTimeoutException) {
            return new TwilioCallException(Failure.READ_TIMEOUT, "did not begin to answer within "
                    + readTimeout.toMillis() + " ms (read timeout)", sending, t);
        }
        return new TwilioCallException(Failure.BROKEN, "broke off the exchange (" + describe(t) + ")", sending, t);
    }

    /** The JDK request for the SDK's request, aimed at the base URL, with the headers the SDK's client sends. */
    HttpRequest toHttp(Request request, AtomicBoolean sending) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Accept", List.of("application/json"));
        headers.put("X-Twilio-Client", List.of("java-" + Twilio.VERSION));
        headers.put("User-Agent", List.of(HttpUtility.getUserAgentString(request.getUserAgentExtensions(), true)));
        if (request.requiresAuthentication()) {
            // Basic from the account SID and token, or the request's auth strategy (API key, OAuth).
            headers.put("Authorization", List.of(request.getAuthString()));
        }
        HttpRequest.BodyPublisher body;
        if (request.getMethod() == HttpMethod.GET) {
            body = HttpRequest.BodyPublishers.noBody();
        } else if (request.getContentType() == EnumConstants.ContentType.JSON) {
            headers.put("Content-Type", List.of(EnumConstants.ContentType.JSON.getValue()));
            body = HttpRequest.BodyPublishers.ofString(request.getBody() == null ? "" : request.getBody());
        } else if (request.getContentType() == EnumConstants.ContentType.MULTIPART_FORM_DATA) {
            throw new IllegalArgumentException("multipart requests to Twilio are not supported");
        } else {
            headers.put("Content-Type", List.of(FORM));
            body = HttpRequest.BodyPublishers.ofString(formBody(request.getPostParams()), StandardCharsets.UTF_8);
        }
        headers.putAll(request.getHeaderParams());
        HttpRequest.Builder builder = HttpRequest.newBuilder(target(request)).timeout(readTimeout)
                .method(request.getMethod().toString(), new Marking(body, sending));
        headers.forEach((name, values) -> values.forEach(value -> builder.header(name, value)));
        return builder.build();
    }

    /** The request's URL with the base URL's scheme, host and port (and path prefix). */
    URI target(Request request) {
        URL url = request.constructURL();
        String basePath = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath().replaceAll("/+$", "");
        String query = url.getQuery();
        return URI.create(baseUrl.getScheme() + "://" + baseUrl.getRawAuthority() + basePath + url.getPath()
                + (query == null || query.isEmpty() ? "" : "?" + query));
    }

    static String formBody(Map<String, List<String>> params) {
        StringJoiner form = new StringJoiner("&");
        params.forEach((name, values) -> values.forEach(value -> form.add(
                URLEncoder.encode(name, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8))));
        return form.toString();
    }

    private static Header[] headers(HttpResponse<?> answer) {
        List<Header> headers = new ArrayList<>();
        answer.headers().map().forEach((name, values) -> values.forEach(v -> headers.add(new BasicHeader(name, v))));
        return headers.toArray(Header[]::new);
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** The first exception in the chain that says something, else the outermost one's type. */
    private static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return c.getClass().getSimpleName() + ": " + c.getMessage();
            }
        }
        return t.getClass().getSimpleName();
    }

    /**
     * The body, noting when the client starts to send it: from then on Twilio may have the request. The
     * client subscribes only once the connection is open and the request head written, and Twilio acts
     * only on a complete request, so before that moment nothing can have been sent.
     */
    private record Marking(HttpRequest.BodyPublisher body, AtomicBoolean sending) implements HttpRequest.BodyPublisher {
        @Override
        public long contentLength() {
            return body.contentLength();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            sending.set(true);
            body.subscribe(subscriber);
        }
    }
}
