package dev.twostep.web;

import java.io.IOException;
import java.time.Clock;
import java.util.Optional;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.twostep.config.TwostepConfig;
import dev.twostep.guard.Attributes;
import dev.twostep.guard.GuardState;
import dev.twostep.guard.Http;
import dev.twostep.guard.ReturnTo;
import dev.twostep.guard.SetupOwed;

/**
 * {@code <pages-path>/setup}: sends a signed-in user through the kinds of factor the operator requires
 * ({@code twostep.factors.required}) and the user lacks, one page at a time, and then where they were
 * going. The guard keeps the protected pages closed while something is owed.
 */
public class SetupServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient TwostepConfig config;
    private transient Clock clock;
    private transient SecondStep secondStep;

    @Override
    public void init() {
        config = Attributes.require(getServletContext(), TwostepConfig.class);
        clock = Attributes.require(getServletContext(), Clock.class);
        secondStep = SecondStep.of(getServletContext());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        GuardState state = Requests.fullySignedIn(request, response, config, clock.millis());
        if (state == null) {
            return;
        }
        Optional<String> owed = secondStep.owed(state.username());
        if (owed.isEmpty()) {
            SetupOwed.clear(request.getSession());
            Http.seeOther(request, response, ReturnTo.consume(request.getSession(), config.successUrl()));
            return;
        }
        SetupOwed.set(request.getSession());
        Http.seeOther(request, response, owed.get());
    }
}
