package dev.twostep.host;

import jakarta.servlet.ServletContext;

import org.springframework.security.web.context.AbstractSecurityWebApplicationInitializer;

import dev.twostep.web.TwostepListener;

/**
 * The Java-config host's initializer (SpringJavaConfigHostIT): Spring Security's filter chain from
 * {@link SecurityConfig}, then Twostep after it, as the docs show for Java configuration. A container that
 * scans finds it through Spring's SpringServletContainerInitializer; the embedded Jetty of the tests is handed
 * it explicitly.
 */
public class SecurityInitializer extends AbstractSecurityWebApplicationInitializer {
    public SecurityInitializer() {
        super(SecurityConfig.class);
    }

    @Override
    protected void afterSpringSecurityFilterChain(ServletContext context) {
        context.setInitParameter("twostep.protect", "/app/*");
        context.setInitParameter("twostep.protect.exclude", "/app/health");   // open in SecurityConfig too
        context.setInitParameter("twostep.filter-order", "last");
        TwostepListener.install(context);
    }
}
