package ferry

// Optional is a field of a change that can be left as it is, cleared or
// set: the three meanings a PATCH gives an absent field, null and a value,
// and a form its untouched, emptied and filled fields. The zero value
// leaves the field as it is.
type Optional[T any] struct {
	set, null bool
	value     T
}

// Null returns an Optional that clears the field.
func Null[T any]() Optional[T] { return Optional[T]{set: true, null: true} }

// Some returns an Optional that sets the field to v.
func Some[T any](v T) Optional[T] { return Optional[T]{set: true, value: v} }

// IsSet reports whether the change touches the field (clears or sets it).
func (o Optional[T]) IsSet() bool { return o.set }

// Ptr returns the new value, or nil when the field is cleared or left as
// it is.
func (o Optional[T]) Ptr() *T {
	if !o.set || o.null {
		return nil
	}
	v := o.value
	return &v
}
