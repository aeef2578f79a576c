package dev.twostep.code;

/** Why a code was sent: to sign in, or to confirm a phone number that is not confirmed yet. */
public enum Purpose { LOGIN, ENROLL }
