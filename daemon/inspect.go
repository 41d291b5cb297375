package daemon

import (
	"net/http"

	"github.com/refeed/refeed/inspect"
	"github.com/refeed/refeed/store"
)

// inspector returns the handler of the inspector's pages (see package
// inspect), for the server to mount at /inspect/. It follows the running
// configuration, so that a reload turns the inspector on or off; where it
// is served (admin_listen, else listen) is decided at the start.
func (d *daemon) inspector() http.Handler {
	return inspect.New(inspect.Options{Config: d.config, Store: d.inspectedStore, Log: d.log})
}

// inspectedStore returns the store for the inspector to read, nil while
// it is not open or is damaged.
func (d *daemon) inspectedStore() store.Store {
	if d.damaged() != nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.store
}
