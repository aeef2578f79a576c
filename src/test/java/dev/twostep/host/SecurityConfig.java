package dev.twostep.host;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The Java-config host's own security (SpringJavaConfigHostIT), as a Spring Security 6 app has it: form login
 * on Spring's generated page, CSRF protection left on (the default), logout by POST. For Twostep only one
 * thing is added: its pages under /twostep/ need a signed-in user, like the pages it guards.
 */
@Configuration
@EnableWebSecurity
public class SecurityConfig {

    @Bean
    public SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests
                        .requestMatchers("/app/health").permitAll()
                        .requestMatchers("/app/**").authenticated()
                        // Twostep's code and enrollment pages: for users who passed this login only.
                        .requestMatchers("/twostep/**").authenticated()
                        .anyRequest().permitAll())
                .formLogin(Customizer.withDefaults())
                .logout(Customizer.withDefaults());
        return http.build();
    }

    @Bean
    public UserDetailsService userDetailsService() {
        return new InMemoryUserDetailsManager(
                User.withUsername("alice").password("{noop}alice-password").roles("USER").build(),
                User.withUsername("dave").password("{noop}dave-password").roles("USER").build());
    }
}
