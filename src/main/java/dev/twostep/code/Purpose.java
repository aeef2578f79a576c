package dev.twostep.code;

/**
 * Why a code was sent: to sign in, to confirm a phone number that is not confirmed yet, or to confirm a
 * new number that replaces a confirmed one.
 */
public enum Purpose { LOGIN, ENROLL, CHANGE }
