package dev.twostep.delivery;

import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.Timeout;

import com.twilio.http.NetworkHttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;

/**
 * The Twilio SDK's HTTP client with two changes: every request goes to a configured base URL instead of
 * https://api.twilio.com (scheme, host and port are replaced; the path is kept), so Twostep can be
 * pointed at a mock of Twilio's API; and connect and read timeouts are bounded, so a slow Twilio cannot
 * hold a request thread for long. The SDK offers no base-URL setting; a custom HttpClient given to
 * {@code TwilioRestClient.Builder.httpClient(...)} is its supported hook.
 */
public final class BaseUrlHttpClient extends NetworkHttpClient {
    private final URI baseUrl;

    public BaseUrlHttpClient(URI baseUrl, java.time.Duration connectTimeout, java.time.Duration readTimeout) {
        super(builder(connectTimeout, readTimeout));
        this.baseUrl = baseUrl;
    }

    private static HttpClientBuilder builder(java.time.Duration connect, java.time.Duration read) {
        Timeout connectTimeout = Timeout.ofMilliseconds(connect.toMillis());
        Timeout readTimeout = Timeout.ofMilliseconds(read.toMillis());
        var connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(connectTimeout).setSocketTimeout(readTimeout).build())
                .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(readTimeout).build())
                .setMaxConnTotal(20).setMaxConnPerRoute(20)
                .build();
        return HttpClientBuilder.create()
                .setConnectionManager(connections)
                // Apache HttpClient would retry a POST answered 429 or 503: that can send a second SMS.
                .disableAutomaticRetries()
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(connectTimeout)
                        .setResponseTimeout(readTimeout)
                        .build())
                .useSystemProperties();
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
        return super.makeRequest(rewrite(request));
    }

    /** A copy of the request aimed at the base URL. */
    Request rewrite(Request original) {
        URL url = original.constructURL();
        String basePath = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath().replaceAll("/+$", "");
        String target = baseUrl.getScheme() + "://" + baseUrl.getRawAuthority() + basePath + url.getPath();
        Request copy = new Request(original.getMethod(), target);
        if (original.requiresAuthentication()) {
            if (original.getAuthStrategy() != null) {
                copy.setAuth(original.getAuthStrategy());
            } else {
                copy.setAuth(original.getUsername(), original.getPassword());
            }
        }
        copy.setContentType(original.getContentType());
        copy.setBody(original.getBody());
        copy.setUserAgentExtensions(original.getUserAgentExtensions());
        copyInto(original.getQueryParams(), copy::addQueryParam);
        copyInto(original.getPostParams(), copy::addPostParam);
        copyInto(original.getHeaderParams(), copy::addHeaderParam);
        return copy;
    }

    private static void copyInto(Map<String, List<String>> params, java.util.function.BiConsumer<String, String> add) {
        params.forEach((name, values) -> values.forEach(v -> add.accept(name, v)));
    }
}
