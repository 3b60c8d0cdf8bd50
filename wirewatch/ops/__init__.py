"""Operations on a running installation: the local stack, replay, dead letters, index migration, observation,
and the README's settings table."""
