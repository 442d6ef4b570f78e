"""Two-factor sign-in: enrolment, the second step of sign-in, turning it off."""
