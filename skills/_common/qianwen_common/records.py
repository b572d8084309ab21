"""`dataclass` and `field` for plain records, without importing dataclasses.

The standard module imports inspect (with ast, dis, tokenize) and builds each class with exec: about
10 ms of a sync image call's start-up (bench/bench_image.py). This covers what the bundle uses:
keyword fields in order, defaults, default_factory, repr=False, frozen, eq.
"""

_MISSING = object()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class _Field:
    __slots__ = ("default", "default_factory", "repr")

    def __init__(self, default, default_factory, repr):
        self.default, self.default_factory, self.repr = default, default_factory, repr


def field(default=_MISSING, default_factory=None, repr=True):
    return _Field(default, default_factory, repr)


def dataclass(cls=None, frozen=False, eq=True):
    """Give cls an __init__ over its annotated fields (in order), a __repr__, and __eq__/__hash__."""
    if cls is None:
        return lambda real: _build(real, frozen, eq)
    return _build(cls, frozen, eq)


def _build(cls, frozen, eq):
    specs = []
    for name in cls.__dict__.get("__annotations__", {}):
        value = cls.__dict__.get(name, _MISSING)
        spec = value if isinstance(value, _Field) else _Field(value, None, True)
        if isinstance(value, _Field):
            if value.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value.default)
        specs.append((name, spec))
    names = tuple(name for name, _spec in specs)

    def __init__(self, *args, **kwargs):
        if len(args) > len(specs):
            raise TypeError("%s takes at most %d arguments" % (cls.__name__, len(specs)))
        for index, (name, spec) in enumerate(specs):
            if index < len(args):
                value = args[index]
            elif name in kwargs:
                value = kwargs.pop(name)
            elif spec.default_factory is not None:
                value = spec.default_factory()
            elif spec.default is not _MISSING:
                value = spec.default
            else:
                raise TypeError("%s needs the field %s" % (cls.__name__, name))
            object.__setattr__(self, name, value)
        if kwargs:
            raise TypeError("%s has no field %s" % (cls.__name__, sorted(kwargs)[0]))

    def __repr__(self):
        shown = ", ".join("%s=%r" % (name, getattr(self, name)) for name, spec in specs if spec.repr)
        return "%s(%s)" % (cls.__name__, shown)

    cls.__init__, cls.__repr__ = __init__, __repr__
    cls.__record_fields__ = names
    if eq:
        cls.__eq__ = lambda self, other: (other.__class__ is self.__class__ and
                                          all(getattr(self, n) == getattr(other, n) for n in names))
        cls.__hash__ = (lambda self: hash(tuple(getattr(self, n) for n in names))) if frozen else None
    if frozen:
        cls.__setattr__ = _refuse
        cls.__delattr__ = _refuse
    return cls


def _refuse(self, name, value=None):
    raise FrozenInstanceError("cannot assign to field %s of a frozen %s" % (name, type(self).__name__))
